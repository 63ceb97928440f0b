#include "httpauth.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "log.h"
#include "strv.h"

#define WS_HTTPAUTH_MAX_DEPTH 8

void ws_httpauth_answer_clear(struct ws_httpauth_answer *ans)
{
	ws_strv_free(ans->groups);
	memset(ans, 0, sizeof(*ans));
}

/* Copies the answer's "groups" (valid names only) into a.groups. */
static ws_err ws_parse_groups(struct json_object *arr, struct ws_httpauth_answer *a)
{
	size_t n, i, k = 0;
	char why[128];

	n = json_object_array_length(arr);
	if (n > WS_HTTPAUTH_MAX_GROUPS)
		n = WS_HTTPAUTH_MAX_GROUPS;
	if ((a->groups = calloc(n + 1, sizeof(*a->groups))) == NULL)
		return WS_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(arr, i);
		const char *s = json_object_is_type(g, json_type_string) ? json_object_get_string(g) : NULL;
		if (s == NULL || ws_account_check(s, why, sizeof(why)) != WS_OK)
			return WS_ERR_INVALID;
		if ((a->groups[k++] = strdup(s)) == NULL)
			return WS_ERR_NOMEM;
	}
	return WS_OK;
}

ws_err ws_httpauth_parse(const char *body, size_t len, const char *account,
    struct ws_httpauth_answer *ans)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL, *v;
	struct ws_httpauth_answer a;
	char why[128];
	ws_err rc = WS_ERR_INVALID;

	memset(&a, 0, sizeof(a));
	if (len > WS_HTTPAUTH_MAX_REPLY || len > (size_t)INT32_MAX)
		goto out;
	if ((tok = json_tokener_new_ex(WS_HTTPAUTH_MAX_DEPTH)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		goto out;
	if (!json_object_object_get_ex(obj, "allow", &v) || !json_object_is_type(v, json_type_boolean))
		goto out;
	a.allow = json_object_get_boolean(v);
	if (json_object_object_get_ex(obj, "message", &v) && json_object_is_type(v, json_type_string))
		snprintf(a.message, sizeof(a.message), "%.*s",
		    (int)strcspn(json_object_get_string(v), "\r\n"), json_object_get_string(v));
	if (json_object_object_get_ex(obj, "account", &v)) {
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (s == NULL || ws_account_check(s, why, sizeof(why)) != WS_OK)
			goto out;
		/* The endpoint may not swap the account the person named. */
		if (account[0] != '\0' && strcmp(s, account) != 0)
			goto out;
		snprintf(a.account, sizeof(a.account), "%s", s);
	} else {
		snprintf(a.account, sizeof(a.account), "%s", account);
	}
	if (a.allow && a.account[0] == '\0')
		goto out; /* allowed, but as whom? */
	if (json_object_object_get_ex(obj, "groups", &v)) {
		if (!json_object_is_type(v, json_type_array))
			goto out;
		if ((rc = ws_parse_groups(v, &a)) != WS_OK)
			goto out;
	}
	*ans = a;
	memset(&a, 0, sizeof(a));
	rc = WS_OK;
out:
	ws_httpauth_answer_clear(&a);
	json_object_put(obj);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

/* Adds key: value to the request body when value is not NULL. */
static int ws_put(struct json_object *o, const char *key, const char *value)
{
	struct json_object *v;

	if (value == NULL)
		return 0;
	if ((v = json_object_new_string(value)) == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static struct json_object *ws_request_body(const struct ws_httpauth_req *r)
{
	struct json_object *o = json_object_new_object(), *port;

	if (o == NULL)
		return NULL;
	if (ws_put(o, "account", r->account[0] ? r->account : NULL) ||
	    ws_put(o, "workspace", r->workspace) || ws_put(o, "method", r->method) ||
	    ws_put(o, "key_fingerprint", r->key_fp) || ws_put(o, "key", r->key) ||
	    ws_put(o, "password", r->password) || ws_put(o, "remote_address", r->remote_addr) ||
	    (port = json_object_new_int(r->remote_port)) == NULL ||
	    json_object_object_add(o, "remote_port", port) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

ws_err ws_httpauth_ask(const char *url, int timeout_s, const struct ws_httpauth_req *req,
    struct ws_httpauth_answer *ans)
{
	struct curl_slist *hdrs = NULL;
	struct ws_dynbuf *buf = NULL;
	struct json_object *body = NULL;
	const char *text = NULL;
	CURL *curl = NULL;
	long code = 0;
	CURLcode cc;
	ws_err rc = WS_ERR_NOMEM;

	if ((buf = ws_dynbuf_new(WS_HTTPAUTH_MAX_REPLY)) == NULL ||
	    (body = ws_request_body(req)) == NULL || (curl = curl_easy_init()) == NULL ||
	    (hdrs = curl_slist_append(NULL, "Content-Type: application/json")) == NULL)
		goto out;
	text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)timeout_s);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ws_dynbuf_write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, buf);
	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		ws_warn("auth_url: %s", curl_easy_strerror(cc));
		rc = cc == CURLE_OPERATION_TIMEDOUT ? WS_ERR_TIMEOUT : WS_ERR_IO;
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	memset(ans, 0, sizeof(*ans));
	if (code != 200 ||
	    ws_httpauth_parse(ws_dynbuf_ptr(buf), ws_dynbuf_len(buf), req->account, ans) != WS_OK) {
		ws_warn("auth_url answered %ld with %s; taken as a refusal", code,
		    code == 200 ? "a malformed body" : "that status");
		ws_httpauth_answer_clear(ans);
	}
	rc = WS_OK;
out:
	/* The body may hold a password. */
	if (text != NULL)
		explicit_bzero((char *)(uintptr_t)text, strlen(text));
	if (body != NULL) {
		struct json_object *pw;
		if (json_object_object_get_ex(body, "password", &pw))
			explicit_bzero((char *)(uintptr_t)json_object_get_string(pw),
			    (size_t)json_object_get_string_len(pw));
	}
	curl_slist_free_all(hdrs);
	if (curl != NULL)
		curl_easy_cleanup(curl);
	json_object_put(body);
	ws_dynbuf_free(buf);
	return rc;
}
