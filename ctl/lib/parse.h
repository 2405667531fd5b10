/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing and formatting of command line values: numbers, addresses, names,
 * roles, switches and keys. Functions return 0 or a negative errno: -EINVAL
 * for malformed text, -ERANGE for a well-formed value out of range.
 */
#ifndef TANDEM_PARSE_H
#define TANDEM_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/tandem.h>

struct tandem_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t len;		/* 4 or 16 */
	uint8_t bytes[16];	/* network byte order */
};

/* Long enough for any address and a terminating NUL. */
#define TANDEM_ADDR_STRLEN INET6_ADDRSTRLEN
/* Base64 of a key, as printed by genkey, without the NUL. */
#define TANDEM_KEY_B64_LEN (((TANDEM_KEY_LEN + 2) / 3) * 4)
/* The largest key file accepted. */
#define TANDEM_KEY_FILE_MAX 4096

/* Unsigned decimal number, min <= n <= max. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The same, with an optional binary suffix K, M or G (KiB, MiB, GiB also). */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A numeric IPv4 or IPv6 address (no names, no prefix, no port). */
int parse_addr(const char *s, struct tandem_addr *addr);
/* Text of a 4 or 16 byte address; -EINVAL for any other length. */
int format_addr(const void *bytes, size_t len, char *buf, size_t size);

/* A group name: 1..TANDEM_GROUP_NAME_MAX-1 characters of [A-Za-z0-9_.-]. */
int parse_group_name(const char *s);

/* primary, backup or fenced. */
int parse_role(const char *s, uint8_t *role);
/* The name of a role; "unknown" for a value this program does not know. */
const char *role_name(uint8_t role);

/* A MAC (enum tandem_mac) by name: hmac-sha256 or xchacha20-poly1305. */
int parse_mac(const char *s, uint8_t *mac);
/* The name of a MAC; "unknown" for a value this program does not know. */
const char *mac_name(uint8_t mac);
/* Every MAC's name, by value. */
extern const char *const mac_names[__TANDEM_MAC_MAX];

/* on/off, yes/no, true/false, 1/0. */
int parse_onoff(const char *s, uint8_t *value);

/* Base64 with padding; out needs ((len + 2) / 3) * 4 + 1 bytes. */
void base64_encode(const uint8_t *in, size_t len, char *out);
/* Strict, canonical base64; returns the decoded length or -EINVAL. */
int base64_decode(const char *in, size_t len, uint8_t *out, size_t size);

/*
 * A key from the contents of a key file: exactly TANDEM_KEY_LEN raw bytes,
 * or their base64 text (TANDEM_KEY_B64_LEN characters) with optional
 * surrounding whitespace.
 */
int parse_key(const uint8_t *data, size_t len, uint8_t key[TANDEM_KEY_LEN]);
/* Read and parse a key file; "-" reads standard input. */
int read_key_file(const char *path, uint8_t key[TANDEM_KEY_LEN]);

#endif /* TANDEM_PARSE_H */
