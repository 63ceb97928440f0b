/* configdoc.h — the settings reference, written from the option table
 * (options.c): Markdown for docs/config.md, roff for wsgate.conf(5). */
#ifndef WSGATE_CONFIGDOC_H
#define WSGATE_CONFIGDOC_H

#include <stdio.h>

/* Writes the settings reference as a Markdown table to out (docs/config.md
 * is a preamble and this table). */
void ws_config_write_doc(FILE *out);

/* Writes the manual page wsgate.conf(5) in roff (man macros) to out: every
 * setting of the table with its type, range, default and help, between
 * fixed sections. version (e.g. "0.1.0") goes in the page's footer. */
void ws_config_write_man(FILE *out, const char *version);

#endif
