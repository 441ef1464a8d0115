/**
 * Platforms (`os/arch[/variant]`): parsing the `--platform` flag, the host's own platform, and
 * picking the one manifest of an index that runs here, the way containerd's platform matcher
 * does (amd64 ignores variants, arm64 defaults to v8, arm to v7). Attestation entries
 * (`unknown/unknown`) are never picked. Pure; no I/O.
 */
import { invalid, notFound } from '../errors';
import type { Descriptor, Platform } from './types';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = {
  x64: 'amd64', x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', ia32: '386', i386: '386', i686: '386',
  armhf: 'arm', armel: 'arm', ppc64: 'ppc64le',
};

function normalizeArch(arch: string, variant?: string): { architecture: string; variant?: string } {
  const a = ARCH_ALIASES[arch.toLowerCase()] ?? arch.toLowerCase();
  let v = variant?.toLowerCase() || undefined;
  if (arch === 'armhf') v = v ?? 'v7';
  if (arch === 'armel') v = v ?? 'v6';
  if (a === 'arm64' && v === '8') v = 'v8';
  if (a === 'arm' && v && /^[5-8]$/.test(v)) v = `v${v}`;
  if (a === 'amd64' && v === 'v1') v = undefined;
  return { architecture: a, variant: v };
}

/** The platform of this host (linux/amd64 here), from process.arch. */
export function hostPlatform(): PlatformSpec {
  const { architecture, variant } = normalizeArch(process.arch);
  return { os: 'linux', architecture, variant: architecture === 'arm' ? 'v7' : variant };
}

/** Parses `os[/arch[/variant]]` (Docker's `--platform` syntax); a lone arch means linux/arch. */
const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'illumos', 'ios', 'js', 'linux', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows']);
const KNOWN_ARCH = new Set(['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'aarch64', 'x86_64', 'x86-64', 'i386', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'ppc64', 'ppc64le', 'riscv64', 's390x', 'sparc64', 'wasm', 'armhf', 'armel']);

export function parsePlatform(text: string): PlatformSpec {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.some((p) => p === '') || parts.length > 3) {
    throw invalid(`invalid platform "${text}": expected os/arch[/variant], e.g. linux/amd64`);
  }
  let os = parts[0] as string;
  let arch = parts[1];
  if (arch === undefined) {
    // One word is an OS or an architecture, as containerd's platforms.Parse reads it.
    if (KNOWN_OS.has(os)) arch = hostPlatform().architecture;
    else if (KNOWN_ARCH.has(os)) {
      arch = os;
      os = 'linux';
    } else throw invalid(`"${text}": unknown operating system or architecture: invalid argument`);
  }
  const norm = normalizeArch(arch, parts[2]);
  return { os, ...norm };
}

export function formatPlatform(p: PlatformSpec): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Variants a host of `want` can run, best first (arm64 runs v8 only; arm v7 runs v7, v6, v5). */
function compatibleVariants(want: PlatformSpec): (string | undefined)[] {
  const { architecture, variant } = want;
  // amd64 images run on any amd64 host; the plain (v1) build ranks first.
  if (architecture === 'amd64') return [undefined, 'v1', 'v2', 'v3', 'v4'];
  if (architecture === 'arm64') return [variant ?? 'v8', undefined, 'v8'];
  if (architecture === 'arm') {
    const n = Number((variant ?? 'v7').slice(1));
    const out: (string | undefined)[] = [];
    for (let i = n; i >= 5; i--) out.push(`v${i}`);
    return out;
  }
  return [variant, undefined];
}

/** True when an image for `have` runs on `want`. */
export function platformMatches(want: PlatformSpec, have: Platform): boolean {
  if (have.os !== want.os) return false;
  const h = normalizeArch(have.architecture, have.variant);
  if (h.architecture !== want.architecture) return false;
  if (want.architecture === 'amd64') return true;
  const variants = compatibleVariants(want);
  if (h.variant === undefined) return true;
  return variants.includes(h.variant);
}

function rank(want: PlatformSpec, have: Platform): number {
  const h = normalizeArch(have.architecture, have.variant);
  const variants = compatibleVariants(want);
  const i = variants.indexOf(h.variant);
  return i < 0 ? variants.length : i;
}

/**
 * Picks the manifest of an index for `want`: exact variant first, then older compatible ones;
 * attestation manifests (`unknown/unknown`) are skipped. NotFound names the platform otherwise.
 */
export function selectManifest(manifests: readonly Descriptor[], want: PlatformSpec): Descriptor {
  const candidates = manifests.filter((d) => d.platform && d.platform.os !== 'unknown' && d.platform.architecture !== 'unknown' && platformMatches(want, d.platform));
  if (candidates.length === 0) {
    throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  }
  candidates.sort((a, b) => rank(want, a.platform as Platform) - rank(want, b.platform as Platform));
  return candidates[0] as Descriptor;
}

/**
 * Refuses an image whose config names another operating system (a Windows image's layers
 * would unpack, then nothing in them could run): Docker's sentence. A config without `os` is
 * taken as Linux, as Docker does.
 */
export function requireLinuxImage(os: unknown, what: string): void {
  if (os === undefined || os === '' || os === 'linux') return;
  throw invalid(`${what}: image operating system "${String(os)}" cannot be used on this platform`);
}
