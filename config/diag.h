/* diag.h — problems found in a configuration, collected rather than stopped
 * at: `wsgate -t` reports every error and warning, each with file:line. */
#ifndef WSGATE_DIAG_H
#define WSGATE_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* At most this many lines are kept; one more says how many were left out. */
#define WS_DIAG_MAX 200

enum ws_diag_kind { WS_DIAG_ERROR, WS_DIAG_WARNING };

struct ws_diag;

/* Returns an empty collection, or NULL when out of memory. Free with
 * ws_diag_free(). */
struct ws_diag *ws_diag_new(void);

/* Frees d and its lines; accepts NULL. */
void ws_diag_free(struct ws_diag *d);

/* Adds one line "WHERE: error: TEXT" (or warning). where is "file:line",
 * "file" or NULL (the line then starts with the kind). Past WS_DIAG_MAX lines
 * only the count grows. d may be NULL: nothing is kept. */
void ws_diag_add(struct ws_diag *d, enum ws_diag_kind kind, const char *where,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Returns how many errors (or warnings) were added, kept or not. */
size_t ws_diag_count(const struct ws_diag *d, enum ws_diag_kind kind);

/* Returns the text of the first error added ("" when none); it lives as
 * long as d. For callers that report one line. */
const char *ws_diag_first_error(const struct ws_diag *d);

/* Returns how many lines are kept (at most WS_DIAG_MAX). */
size_t ws_diag_kept(const struct ws_diag *d);

/* Returns kept line i (its kind in *kind when not NULL), or NULL past the
 * end. The text lives as long as d. */
const char *ws_diag_line(const struct ws_diag *d, size_t i, enum ws_diag_kind *kind);

/* Writes every kept line to out, in the order added, then a line for those
 * left out past WS_DIAG_MAX. */
void ws_diag_print(const struct ws_diag *d, FILE *out);

#endif
