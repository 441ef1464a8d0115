// Capabilities, SecurityOpt and seccomp profiles resolved as Docker resolves them (no I/O).
import { strict as assert } from 'node:assert';
import { CAPABILITIES, DEFAULT_CAPABILITIES, capabilityMask, parseCapabilityList, resolveCapabilities } from '../../../daemon/runtime/capabilities';
import { parseSecurityOpt } from '../../../daemon/runtime/security-opt';
import { parseSeccompProfile, resolveSeccomp } from '../../../daemon/runtime/seccomp-profile';
import { builtinSeccompProfile } from '../../../daemon/runtime/security';

const ALL = new Set(CAPABILITIES);
const amd64 = { goArch: 'amd64', scmpArch: 'SCMP_ARCH_X86_64', kernel: '6.1.0-13-amd64' };
const none = { capAdd: [], capDrop: [], privileged: false };

describe('runtime: capabilities', () => {
  it("Docker's default set is 0xa80425fb; names with or without CAP_, any case", () => {
    assert.equal(capabilityMask(resolveCapabilities(none, ALL)), 'a80425fb');
    assert.deepEqual(parseCapabilityList(['net_admin', 'CAP_SYS_PTRACE', 'all'], 'CapAdd'), ['CAP_NET_ADMIN', 'CAP_SYS_PTRACE', 'ALL']);
    assert.deepEqual(parseCapabilityList(null, 'CapDrop'), []);
    assert.throws(() => parseCapabilityList(['CAP_NOPE'], 'CapAdd'), /invalid CapAdd: unknown capability: "CAP_NOPE"/);
    assert.throws(() => parseCapabilityList('NET_ADMIN', 'CapDrop'), /invalid CapDrop/);
  });

  it('drop then add; drop ALL keeps only the adds; add ALL is what berthd holds minus the drops', () => {
    const caps = resolveCapabilities({ ...none, capAdd: ['CAP_NET_ADMIN'], capDrop: ['CAP_CHOWN'] }, ALL);
    assert.ok(caps.includes('CAP_NET_ADMIN') && !caps.includes('CAP_CHOWN'));
    assert.equal(caps.length, DEFAULT_CAPABILITIES.length);
    assert.deepEqual(resolveCapabilities({ ...none, capAdd: ['CAP_KILL'], capDrop: ['ALL'] }, ALL), ['CAP_KILL']);
    const held = new Set(CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE'));
    const all = resolveCapabilities({ ...none, capAdd: ['ALL'], capDrop: ['CAP_MKNOD'] }, held);
    assert.equal(all.length, CAPABILITIES.length - 2);
    assert.deepEqual(resolveCapabilities({ ...none, privileged: true }, held), [...held]);
    assert.throws(() => resolveCapabilities({ ...none, capAdd: ['CAP_SYS_RESOURCE'] }, held), /berthd itself does not hold it/);
  });
});

describe('runtime: --security-opt', () => {
  it("reads Docker's forms and refuses the rest with Docker's words", () => {
    assert.deepEqual(parseSecurityOpt(null), { seccomp: 'builtin', noNewPrivileges: false });
    assert.equal(parseSecurityOpt(['no-new-privileges']).noNewPrivileges, true);
    assert.equal(parseSecurityOpt(['no-new-privileges=false']).noNewPrivileges, false);
    assert.equal(parseSecurityOpt(['no-new-privileges:true']).noNewPrivileges, true);
    assert.equal(parseSecurityOpt(['seccomp=unconfined', 'label=disable', 'apparmor=unconfined']).seccomp, 'unconfined');
    const custom = parseSecurityOpt(['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}']).seccomp;
    assert.ok(typeof custom === 'object' && custom.profile.defaultAction === 'SCMP_ACT_ALLOW');
    assert.throws(() => parseSecurityOpt(['bogus']), /invalid --security-opt 1: "bogus"/);
    assert.throws(() => parseSecurityOpt(['foo=bar']), /invalid --security-opt 2: "foo=bar"/);
    assert.throws(() => parseSecurityOpt(['no-new-privileges=maybe']), /invalid --security-opt 2/);
    assert.throws(() => parseSecurityOpt(['seccomp={']), /Decoding seccomp profile failed/);
  });
});

describe('runtime: seccomp profiles', () => {
  const lines = (caps: readonly string[], kernel = amd64.kernel) => resolveSeccomp(builtinSeccompProfile(), { ...amd64, kernel, caps }).trim().split('\n');

  it('the builtin profile with the default set: EPERM default, x86 arches, conditional rules resolved', () => {
    const l = lines(DEFAULT_CAPABILITIES);
    assert.deepEqual(l.slice(0, 4), ['default errno 1', 'arch x86_64', 'arch x86', 'arch x32']);
    for (const want of ['syscall read allow 0', 'syscall clone3 errno 38', 'syscall clone allow 0 0 masked_eq 2114060288 0',
      'syscall socket allow 0 0 ne 40 0', 'syscall personality allow 0 0 eq 0 0', 'syscall arch_prctl allow 0', 'syscall ptrace allow 0', 'syscall chroot allow 0']) {
      assert.ok(l.includes(want), want);
    }
    for (const absent of ['unshare', 'mount', 'add_key', 'keyctl', 'bpf', 'perf_event_open', 'setns', 'open_by_handle_at', 's390_runtime_instr', 'reboot']) {
      assert.ok(!l.some((x) => x.startsWith(`syscall ${absent} `)), absent);
    }
    assert.equal(l.filter((x) => x.startsWith('syscall personality ')).length, 5);
    assert.ok(!l.some((x) => x.includes('clone allow 0 1 masked_eq')), 'the s390 clone rule is for s390');
  });

  it('capabilities and the kernel version switch rules on and off', () => {
    const admin = lines([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    assert.ok(admin.includes('syscall unshare allow 0') && admin.includes('syscall clone allow 0') && admin.includes('syscall bpf allow 0'));
    assert.ok(!admin.some((x) => x.startsWith('syscall clone3 errno')), 'clone3 allowed with CAP_SYS_ADMIN');
    assert.ok(lines([...DEFAULT_CAPABILITIES, 'CAP_BPF']).includes('syscall bpf allow 0'));
    assert.ok(!lines(DEFAULT_CAPABILITIES, '4.4.0').includes('syscall ptrace allow 0'), 'ptrace needs 4.8 without CAP_SYS_PTRACE');
  });

  it('conditions on one argument given twice become separate rules; the default action is not repeated', () => {
    const p = parseSeccompProfile(JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['a'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
        { names: ['b'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 2, op: 'SCMP_CMP_GT' }] },
        { name: 'c', action: 'SCMP_ACT_ERRNO' },
        { names: ['d'], action: 'SCMP_ACT_KILL' },
      ],
    }));
    assert.deepEqual(resolveSeccomp(p, { ...amd64, caps: [] }).trim().split('\n'), [
      'default errno 1', 'arch x86_64', 'syscall a allow 0 0 eq 1 0', 'syscall a allow 0 0 eq 2 0', 'syscall b allow 0 0 eq 1 0 1 gt 2 0', 'syscall d kill_thread 0',
    ]);
  });

  it('refuses what it cannot apply, saying why', () => {
    assert.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_NOTIFY"}'), /SCMP_ACT_NOTIFY is not supported/);
    assert.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":7,"value":0,"op":"SCMP_CMP_EQ"}]}]}'), /index must be 0 to 5/);
    assert.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"LIKE"}]}]}'), /unknown operator "LIKE"/);
    assert.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86","subArchitectures":[]}]}'), /specified together/);
    const p = parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x; rm"],"action":"SCMP_ACT_ERRNO"}]}');
    assert.throws(() => resolveSeccomp(p, { ...amd64, caps: [] }), /invalid syscall name/);
  });
});
