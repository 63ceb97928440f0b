/* cliargs.h — an owner's command line over SSH (the exec request of an
 * ACCOUNT+ login) into words for ws_cli_run: split on spaces and tabs,
 * bounded, never a shell. The connection process splits (cliargs.c), the
 * monitor checks the words again before it runs them. */
#ifndef WSGATE_CLIARGS_H
#define WSGATE_CLIARGS_H

#include <stddef.h>

#include "wserr.h"

/* Longest command line, and most words in it. */
#define WS_CLI_LINE_MAX 1024
#define WS_CLI_WORDS_MAX 16

/* A line split into words: argv[0..argc) point into buf, argv[argc] NULL. */
struct ws_cli_words {
	char buf[WS_CLI_LINE_MAX + 1];
	char *argv[WS_CLI_WORDS_MAX + 1];
	int argc;
};

/* Splits line (len bytes, not NUL-terminated necessarily) on spaces and
 * tabs into *out. Only printable ASCII is taken, without quotes, backslashes
 * or other characters a shell would read (nothing is quoted or expanded:
 * there is no shell); at most WS_CLI_LINE_MAX bytes and WS_CLI_WORDS_MAX
 * words. An empty or blank line gives argc 0. Returns WS_OK, or
 * WS_ERR_INVALID / WS_ERR_TOO_LARGE with one line for the person in why
 * (*out is then unset). */
ws_err ws_cli_split(const char *line, size_t len, struct ws_cli_words *out, char *why,
    size_t whylen);

/* Returns 1 when words (n of them) are what ws_cli_split can give: 1 to
 * WS_CLI_WORDS_MAX words, none empty, of the characters it takes, at most
 * WS_CLI_LINE_MAX bytes with a space between each; 0 otherwise. */
int ws_cli_words_ok(char *const *words, size_t n);

#endif
