#!/usr/bin/env python3
"""Drives a full-screen terminal program in a pty and reports what its screen shows.

Usage: pty-screen.py COLS ROWS STEPS_JSON -- CMD ARGS...
STEPS_JSON is a list of {"keys": "...", "expect": "regex"}: for each step the keys are typed,
then the output is read until the last frame (the text after the last cursor-home, ANSI
sequences removed) matches the regex, or 15 s pass. Prints one JSON object: the screen after
each step, whether it matched, and the program's exit status.
"""
import fcntl, json, os, pty, re, select, struct, sys, termios, time

def main():
    cols, rows, steps = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    cmd = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ['TERM'] = 'xterm'
        os.execvp(cmd[0], cmd)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    out = b''
    ansi = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]')
    def screen():
        text = out.decode('utf-8', 'replace')
        last = text.rfind('\x1b[H')
        frame = text[last + 3:] if last >= 0 else text
        return ansi.sub('', frame).replace('\r', '')
    def pump(timeout):
        """Reads what is there within `timeout`; False once the program's side is closed."""
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out += data
        return True
    results = []
    alive = True
    for step in steps:
        if step.get('keys') and alive:
            os.write(fd, step['keys'].encode())
        deadline = time.time() + 15
        matched = False
        pattern = re.compile(step.get('expect', ''), re.S)
        while time.time() < deadline:
            if pattern.search(screen()):
                matched = True
                break
            if not alive or not pump(0.2):
                alive = False
                matched = bool(pattern.search(screen()))
                break
        results.append({'keys': step.get('keys', ''), 'matched': matched, 'screen': screen()})
    # wait for exit
    status = None
    deadline = time.time() + 10
    while time.time() < deadline:
        if alive:
            alive = pump(0.05)
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(st)
            break
        time.sleep(0.05)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    print(json.dumps({'steps': results, 'exit': status, 'tail': out.decode('utf-8', 'replace')[-400:]}))

main()
