/* subcommands.h: the helper's subcommands, dispatched by main.c. */
#ifndef BERTH_SUBCOMMANDS_H
#define BERTH_SUBCOMMANDS_H

int helper_start (const char *spec_path);
int helper_exec (const char *spec_path);

#endif
