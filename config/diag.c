#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WS_DIAG_LINE 640

struct ws_diag {
	char *lines[WS_DIAG_MAX];
	enum ws_diag_kind kinds[WS_DIAG_MAX];
	size_t kept;
	size_t count[2];
	char first_error[WS_DIAG_LINE];
};

struct ws_diag *ws_diag_new(void)
{
	return calloc(1, sizeof(struct ws_diag));
}

void ws_diag_free(struct ws_diag *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->kept; i++)
		free(d->lines[i]);
	free(d);
}

void ws_diag_add(struct ws_diag *d, enum ws_diag_kind kind, const char *where,
    const char *fmt, ...)
{
	char text[WS_DIAG_LINE - 64], line[WS_DIAG_LINE];
	va_list ap;

	if (d == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	snprintf(line, sizeof(line), "%s%s%s: %s", where ? where : "", where ? ": " : "",
	    kind == WS_DIAG_ERROR ? "error" : "warning", text);
	if (kind == WS_DIAG_ERROR && d->count[WS_DIAG_ERROR] == 0)
		snprintf(d->first_error, sizeof(d->first_error), "%s%s%s", where ? where : "",
		    where ? ": " : "", text);
	d->count[kind]++;
	/* A line that cannot be kept is still counted: the summary says so. */
	if (d->kept < WS_DIAG_MAX && (d->lines[d->kept] = strdup(line)) != NULL)
		d->kinds[d->kept++] = kind;
}

size_t ws_diag_count(const struct ws_diag *d, enum ws_diag_kind kind)
{
	return d == NULL ? 0 : d->count[kind];
}

const char *ws_diag_first_error(const struct ws_diag *d)
{
	return d == NULL ? "" : d->first_error;
}

void ws_diag_print(const struct ws_diag *d, FILE *out)
{
	size_t i, total;

	if (d == NULL)
		return;
	for (i = 0; i < d->kept; i++)
		fprintf(out, "%s\n", d->lines[i]);
	total = d->count[WS_DIAG_ERROR] + d->count[WS_DIAG_WARNING];
	if (total > d->kept)
		fprintf(out, "(%zu more not shown)\n", total - d->kept);
}

size_t ws_diag_kept(const struct ws_diag *d)
{
	return d == NULL ? 0 : d->kept;
}

const char *ws_diag_line(const struct ws_diag *d, size_t i, enum ws_diag_kind *kind)
{
	if (d == NULL || i >= d->kept)
		return NULL;
	if (kind != NULL)
		*kind = d->kinds[i];
	return d->lines[i];
}
