/* main.c: berth-helper, the single-threaded native half of berth's runtime.
 *
 *   berth-helper start SPEC   start a container under a daemonised monitor (cmd-start.c)
 *   berth-helper exec SPEC    run a process inside a running container (cmd-exec.c)
 *   berth-helper seccomp-compile RULES OUT   compile a seccomp rule list to BPF (seccomp.c)
 *
 * The daemon never joins or creates namespaces itself (see DESIGN.md §3): everything that
 * does runs here, in a process with one thread. */
#include <stdio.h>
#include <string.h>

#include "fds.h"
#include "seccomp.h"
#include "subcommands.h"
#include "utils.h"

int
main (int argc, char **argv)
{
  proc_title_init (argc, argv);
  /* only the descriptors of the protocol go further: stdio, and fd 3 (control) for exec */
  if (argc == 3 && strcmp (argv[1], "start") == 0)
    return fds_close_from (3), helper_start (argv[2]);
  if (argc == 3 && strcmp (argv[1], "exec") == 0)
    return fds_close_from (4), helper_exec (argv[2]);
  if (argc == 4 && strcmp (argv[1], "seccomp-compile") == 0)
    return helper_seccomp_compile (argv[2], argv[3]);
  if (argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      puts ("berth-helper 1");
      return 0;
    }
  fprintf (stderr, "usage: berth-helper start SPEC | exec SPEC\n");
  return 125;
}
