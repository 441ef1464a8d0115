/* init.c: see init.h. pid 1 blocks every signal and takes them with sigwaitinfo, so a
 * signal is never lost between checks and no handler runs asynchronously. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "caps.h"
#include "fds.h"
#include "init.h"
#include "utils.h"

static int
status_code (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 255;
}

static void __attribute__ ((noreturn))
init_loop (pid_t child, const sigset_t *all, int err_fd)
{
  struct berth_error err = { 0 };

  if (caps_finish (1, &err) < 0)
    {
      /* before the fds go: the monitor reads the first error on the pipe (the struct is
       * smaller than PIPE_BUF, so the child's own report cannot interleave with it) */
      kill (child, SIGKILL);
      berth_error_wrap (&err, "--init");
      write_all (err_fd, &err, sizeof err);
      _exit (125);
    }
  /* only the stdio stays open in pid 1: every other fd belongs to the monitor or to the
   * setup, and the error pipe must close when the command execs (or the monitor, waiting
   * for its EOF, would wait forever) */
  fds_close_from (3);
  for (;;)
    {
      siginfo_t info;
      int sig = sigwaitinfo (all, &info);
      if (sig < 0)
        continue;
      if (sig != SIGCHLD)
        {
          kill (child, sig);
          continue;
        }
      for (;;)
        {
          int status;
          pid_t p = waitpid (-1, &status, WNOHANG);
          if (p <= 0)
            break;
          if (p == child)
            _exit (status_code (status));
        }
    }
}

int
init_fork (int tty, const char *const *args, int err_fd, struct berth_error *err)
{
  sigset_t all, old;
  pid_t pid;

  sigfillset (&all);
  sigprocmask (SIG_BLOCK, &all, &old);
  pid = fork ();
  if (pid < 0)
    {
      sigprocmask (SIG_SETMASK, &old, NULL);
      return berth_make_error (err, errno, "fork the command under init");
    }
  if (pid > 0)
    {
      const char *title[64] = { "berth-init", "--" };
      for (int i = 0; args[i] && i < 61; i++)
        title[i + 2] = args[i];
      proc_set_title (title);
      init_loop (pid, &all, err_fd);
    }
  /* the command gets its own process group, in the foreground of the terminal, so job
   * control and ^C reach it and not pid 1 (signals are still blocked: no SIGTTOU) */
  setpgid (0, 0);
  if (tty)
    tcsetpgrp (0, getpid ());
  sigprocmask (SIG_SETMASK, &old, NULL);
  return 0;
}
