/* archive_int.h — what the backup format's writer (archive.c) and reader
 * (archive_read.c) share. */
#ifndef WSGATE_ARCHIVE_INT_H
#define WSGATE_ARCHIVE_INT_H

#include <openssl/evp.h>
#include <stddef.h>

#define WS_TAR_BLOCK 512
#define WS_ARCH_HEADER_NAME "wsgate-backup.json"
#define WS_ARCH_MANIFEST_NAME "manifest.json"
#define WS_ARCH_JSON_DEPTH 16

/* Writes n bytes of d as lowercase hex and a NUL into out (2n + 1 bytes). */
void ws_arch_hex(const unsigned char *d, size_t n, char *out);

/* sha256: (re)starts *md (made when NULL; the caller frees it); ends it
 * into hex; the sum of one buffer. Each returns 0, or -1 (no memory). */
int ws_arch_sha_begin(EVP_MD_CTX **md);
int ws_arch_sha_end(EVP_MD_CTX *md, char hex[65]);
int ws_arch_sha_of(const void *buf, size_t len, char hex[65]);

/* 1 when s (len bytes) is a part's name: [a-z], 1 to WS_ARCH_PART_MAX. */
int ws_arch_part_name_ok(const char *s, size_t len);

/* A ustar header block's checksum (its checksum field counted as spaces). */
unsigned ws_arch_tar_sum(const unsigned char *h);

#endif
