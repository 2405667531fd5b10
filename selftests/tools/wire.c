// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel_mac.h"
#include "wire.h"

int parse_ep(const char *s, struct ep *ep)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (!colon || colon - s >= (long)sizeof(host))
		return -EINVAL;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &ep->addr) != 1)
		return -EINVAL;
	ep->port = port;
	return 0;
}

static int b64(char c)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? p - a : -1;
}

int read_key(const char *path, uint8_t key[KEY_LEN])
{
	char text[128];
	size_t len, n = 0, i;
	uint32_t v = 0;
	int bits = 0, d;
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(text, sizeof(text), f)) {
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	len = strcspn(text, "\r\n=");
	for (i = 0; i < len; i++) {
		d = b64(text[i]);
		if (d < 0)
			return -EINVAL;
		v = v << 6 | d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == KEY_LEN)
				return -EINVAL;
			key[n++] = v >> bits;
		}
	}
	return n == KEY_LEN ? 0 : -EINVAL;
}

size_t wire_seal(uint8_t *d, size_t n, const uint8_t key[KEY_LEN])
{
	channel_tag(key, d, n, d + n);
	return n + TANDEM_WIRE_TAG_LEN;
}
