/*
 * chorus: the command-line tool. Parses the global options and dispatches
 * to one cmd_<verb>.c per command from the table below.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct cli_command commands[] = {
    {"build", cmd_build,
     "read seeds/, group articles into stories, "
     "write public/"},
    {"poll", cmd_poll,
     "fetch the subscriptions that are due, store "
     "their items"},
    {"refresh", cmd_refresh, "poll, then build: the cron line"},
    {"add", cmd_add, "subscribe to a feed: add URL [--name NAME]"},
    {"remove", cmd_remove, "unsubscribe: remove URL (its articles stay)"},
    {"list", cmd_list, "the subscriptions and the health of each"},
    {"import", cmd_import, "subscribe to the feeds of an OPML file"},
    {"export", cmd_export, "print the subscriptions as OPML 2.0"},
    {"parse", cmd_parse, "read one feed document, print it as JSON"},
    {"stories", cmd_stories,
     "list stories and their articles; --tsv, "
     "--explain ID"},
};

static void help(FILE *f)
{
	size_t i;

	fputs("usage: chorus [-C DIR] [-c FILE] [-q] [-v] COMMAND [ARGS]\n"
	      "\n"
	      "chorus reads news from many outlets, merges the articles that "
	      "tell the same\nstory into one story that cites them all, and "
	      "publishes the stories as Atom\nfeeds and a static HTML site in "
	      "public/.\n\n"
	      "Commands:\n",
	      f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nOptions:\n"
	      "  -C DIR     act on the site in DIR (default: .)\n"
	      "  -c FILE    read the configuration from FILE (default: "
	      "DIR/chorus.ini)\n"
	      "  -q         print nothing unless something failed\n"
	      "  -v         say more about what is done\n"
	      "  --help     this help; 'chorus COMMAND --help' for a "
	      "command\n"
	      "  --version  print the version\n"
	      "\n"
	      "Exit status: 0 all good, 1 some sources failed (each named "
	      "on stderr),\n2 usage or configuration error, 75 another run "
	      "holds the site's lock.\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_ctx ctx;
	size_t i;
	int c;

	memset(&ctx, 0, sizeof(ctx));
	ctx.progress = isatty(STDERR_FILENO);
	while ((c = cli_getopt(argc, argv, "", longs, &ctx)) != -1) {
		switch (c) {
		case 'h':
			help(stdout);
			return EXIT_OK;
		case 'V':
			printf("chorus %s\n", CHORUS_VERSION);
			return EXIT_OK;
		default:
			return cli_usage_error(
			    "chorus [-C DIR] [-c FILE] [-q] [-v] COMMAND "
			    "[ARGS]");
		}
	}
	if (optind >= argc) {
		help(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name))
			continue;
		argc -= optind;
		argv += optind;
		optind = 0; /* restart getopt for the command's own options */
		return commands[i].run(argc, argv, &ctx);
	}
	fprintf(stderr, "chorus: unknown command '%s'\n", argv[optind]);
	return cli_usage_error("chorus [-C DIR] [-c FILE] [-q] [-v] COMMAND "
			       "[ARGS]");
}
