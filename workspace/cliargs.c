/* cliargs.c — an owner's command line into words (cliargs.h). */
#include "cliargs.h"

#include <stdio.h>
#include <string.h>

/* A byte a word may hold: printable ASCII but for what a shell would read
 * as quoting or escaping (a person who writes them expects a shell, and
 * there is none: saying so beats running something else). */
static int ws_cli_char_ok(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f && ch != '\'' && ch != '"' && ch != '`' && ch != '\\';
}

static int ws_cli_blank(unsigned char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Checks every byte of line; returns WS_OK or the reason in why. */
static ws_err ws_cli_bytes_ok(const char *line, size_t len, char *why, size_t whylen)
{
	unsigned char ch;
	size_t i;

	if (len > WS_CLI_LINE_MAX) {
		snprintf(why, whylen, "the command is longer than %d bytes", WS_CLI_LINE_MAX);
		return WS_ERR_TOO_LARGE;
	}
	for (i = 0; i < len; i++) {
		ch = (unsigned char)line[i];
		if (ws_cli_blank(ch) || ws_cli_char_ok(ch))
			continue;
		if (ch == '\'' || ch == '"' || ch == '`' || ch == '\\')
			snprintf(why, whylen, "the command holds a quote or backslash: it is split on "
			    "spaces, without a shell");
		else
			snprintf(why, whylen, "the command holds a control character or one "
			    "outside printable ASCII");
		return WS_ERR_INVALID;
	}
	return WS_OK;
}

ws_err ws_cli_split(const char *line, size_t len, struct ws_cli_words *out, char *why,
    size_t whylen)
{
	struct ws_cli_words w;
	size_t i;
	ws_err rc;

	if (line == NULL)
		len = 0;
	if ((rc = ws_cli_bytes_ok(line, len, why, whylen)) != WS_OK)
		return rc;
	memset(&w, 0, sizeof(w));
	if (len > 0)
		memcpy(w.buf, line, len);
	for (i = 0; i < len; i++) {
		if (ws_cli_blank((unsigned char)w.buf[i])) {
			w.buf[i] = '\0';
			continue;
		}
		if (i > 0 && w.buf[i - 1] != '\0')
			continue;
		if (w.argc == WS_CLI_WORDS_MAX) {
			snprintf(why, whylen, "the command has more than %d words", WS_CLI_WORDS_MAX);
			return WS_ERR_TOO_LARGE;
		}
		w.argv[w.argc++] = out->buf + i;
	}
	memcpy(out->buf, w.buf, sizeof(out->buf));
	memcpy(out->argv, w.argv, sizeof(out->argv));
	out->argc = w.argc;
	return WS_OK;
}

int ws_cli_words_ok(char *const *words, size_t n)
{
	size_t i, j, total = 0, len;

	if (words == NULL || n == 0 || n > WS_CLI_WORDS_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (words[i] == NULL || (len = strnlen(words[i], WS_CLI_LINE_MAX + 1)) == 0)
			return 0;
		for (j = 0; j < len; j++)
			if (!ws_cli_char_ok((unsigned char)words[i][j]))
				return 0;
		total += len + (i > 0);
		if (total > WS_CLI_LINE_MAX)
			return 0;
	}
	return 1;
}
