/* jsonbuild.h — building the engine's request bodies with json-c: each
 * call hands v to its parent, or frees it, so a body built by a chain of
 * calls leaks nothing whichever of them fails. */
#ifndef WSGATE_JSONBUILD_H
#define WSGATE_JSONBUILD_H

#include <json-c/json.h>

/* Adds v to object o under key k (o owns it then). Returns 0, or 1 when v
 * is NULL (an allocation failed) or the add failed (v is freed). */
int ws_json_add(struct json_object *o, const char *k, struct json_object *v);

/* Appends v to array arr; the same contract as ws_json_add. */
int ws_json_push(struct json_object *arr, struct json_object *v);

#endif
