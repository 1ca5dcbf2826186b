/*
 * The chorus command-line tool: shared state of one invocation, the table
 * of commands, and helpers every command uses (opening the site, its lock
 * and state, printing what the library reports).
 *
 * Exit codes (DESIGN.md): 0 all good, 1 finished but some sources failed,
 * 2 usage or configuration error, 75 another run holds the lock.
 */
#ifndef CHORUS_CLI_H
#define CHORUS_CLI_H

#include <stdio.h>

#include "chorus/config.h"
#include "chorus/error.h"
#include "chorus/file.h"
#include "chorus/store.h"

enum cli_exit {
	EXIT_OK = 0,
	EXIT_SOURCES_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_LOCKED = 75,
};

struct cli_ctx {
	const char *dir;    /* -C: the site folder */
	const char *config; /* -c: chorus.ini to use */
	int quiet;	    /* -q */
	int verbose;	    /* -v */
	int progress;	    /* stderr is a terminal and not -q */
	int progress_shown; /* a progress line is on screen */
	struct chorus_report report;
	/* Opened by cli_open(): */
	struct chorus_site site;
	struct chorus_lock *lock;
	struct chorus_store *store;
};

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv, struct cli_ctx *ctx);
	const char *summary; /* one line for `chorus --help` */
};

/*
 * Parse the options every command shares (-C, -c, -q, -v) and the
 * command's own, given as a getopt_long table and string; returns the
 * option character for the caller to handle, -1 at the end, 'h' for
 * --help, '?' after printing a usage error.
 */
struct option;
int cli_getopt(int argc, char **argv, const char *own_short,
	       const struct option *own_long, struct cli_ctx *ctx);

/* Print "usage: …" lines for a command, then exit code 2. */
int cli_usage_error(const char *usage);

/*
 * Load the site's configuration, take its lock and open its state.
 * Prints what failed and returns an exit code, or 0.
 */
int cli_open(struct cli_ctx *ctx, int need_store);
void cli_close(struct cli_ctx *ctx);

/* Print one error line ("chorus: …") for err and map it to an exit code. */
int cli_fail(struct cli_ctx *ctx, const struct chorus_err *err);

/* Clear any progress line before printing something else. */
void cli_clear_progress(struct cli_ctx *ctx);

/*
 * The chorus.ini that add, remove and import rewrite: the one read, else
 * DIR/chorus.ini (created). A new string the caller frees, or NULL.
 */
char *cli_config_path(struct cli_ctx *ctx);

int cmd_build(int argc, char **argv, struct cli_ctx *ctx);
int cmd_poll(int argc, char **argv, struct cli_ctx *ctx);
int cmd_refresh(int argc, char **argv, struct cli_ctx *ctx);
int cmd_add(int argc, char **argv, struct cli_ctx *ctx);
int cmd_remove(int argc, char **argv, struct cli_ctx *ctx);
int cmd_list(int argc, char **argv, struct cli_ctx *ctx);
int cmd_import(int argc, char **argv, struct cli_ctx *ctx);
int cmd_export(int argc, char **argv, struct cli_ctx *ctx);
int cmd_parse(int argc, char **argv, struct cli_ctx *ctx);
int cmd_stories(int argc, char **argv, struct cli_ctx *ctx);

#endif
