// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "parse.h"

static const char *const role_names[] = {
	[TANDEM_ROLE_FENCED] = "fenced",
	[TANDEM_ROLE_BACKUP] = "backup",
	[TANDEM_ROLE_PRIMARY] = "primary",
};

const char *const mac_names[__TANDEM_MAC_MAX] = {
	[TANDEM_MAC_HMAC_SHA256] = "hmac-sha256",
	[TANDEM_MAC_XCHACHA20_POLY1305] = "xchacha20-poly1305",
};

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Leading digits of s into *out; returns where they end or NULL. */
static const char *parse_digits(const char *s, uint64_t *out)
{
	uint64_t n = 0;

	if (!isdigit((unsigned char)*s))
		return NULL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned int d = *s - '0';

		if (n > (UINT64_MAX - d) / 10)
			return NULL;
		n = n * 10 + d;
	}
	*out = n;
	return s;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t n;

	end = parse_digits(s, &n);
	if (!end) {
		/* Only digits: too many of them is a range problem. */
		if (*s && strspn(s, "0123456789") == strlen(s))
			return -ERANGE;
		return -EINVAL;
	}
	if (*end)
		return -EINVAL;
	if (n < min || n > max)
		return -ERANGE;
	*out = n;
	return 0;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned int shift;
	} suffixes[] = {
		{ "", 0 },
		{ "k", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gib", 30 },
	};
	const char *end;
	uint64_t n;
	size_t i;

	end = parse_digits(s, &n);
	if (!end)
		return parse_u64(s, min, max, out);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		unsigned int shift = suffixes[i].shift;

		if (strcasecmp(end, suffixes[i].suffix))
			continue;
		if (n > (UINT64_MAX >> shift))
			return -ERANGE;
		n <<= shift;
		if (n < min || n > max)
			return -ERANGE;
		*out = n;
		return 0;
	}
	return -EINVAL;
}

int parse_addr(const char *s, struct tandem_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, addr->bytes) == 1) {
		addr->family = AF_INET;
		addr->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr->bytes) == 1) {
		addr->family = AF_INET6;
		addr->len = 16;
		return 0;
	}
	return -EINVAL;
}

int format_addr(const void *bytes, size_t len, char *buf, size_t size)
{
	int family;

	if (len == 4)
		family = AF_INET;
	else if (len == 16)
		family = AF_INET6;
	else
		return -EINVAL;
	if (!inet_ntop(family, bytes, buf, size))
		return -errno;
	return 0;
}

int parse_group_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= TANDEM_GROUP_NAME_MAX)
		return -ERANGE;
	if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_.-") != len)
		return -EINVAL;
	return 0;
}

int parse_role(const char *s, uint8_t *role)
{
	uint8_t r;

	for (r = 0; r < sizeof(role_names) / sizeof(role_names[0]); r++) {
		if (role_names[r] && !strcmp(s, role_names[r])) {
			*role = r;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_mac(const char *s, uint8_t *mac)
{
	uint8_t m;

	for (m = 0; m < __TANDEM_MAC_MAX; m++) {
		if (!strcmp(s, mac_names[m])) {
			*mac = m;
			return 0;
		}
	}
	return -EINVAL;
}

const char *mac_name(uint8_t mac)
{
	return mac < __TANDEM_MAC_MAX ? mac_names[mac] : "unknown";
}

const char *role_name(uint8_t role)
{
	if (role < sizeof(role_names) / sizeof(role_names[0]) && role_names[role])
		return role_names[role];
	return "unknown";
}

int parse_onoff(const char *s, uint8_t *value)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "true") ||
	    !strcmp(s, "1")) {
		*value = 1;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "false") ||
	    !strcmp(s, "0")) {
		*value = 0;
		return 0;
	}
	return -EINVAL;
}

void base64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0);

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;

	return p ? p - b64_alphabet : -1;
}

int base64_decode(const char *in, size_t len, uint8_t *out, size_t size)
{
	size_t i, n = 0;

	if (len % 4)
		return -EINVAL;
	for (i = 0; i < len; i += 4) {
		bool last = i + 4 == len;
		int pad = 0, k;
		uint32_t v = 0;

		if (last && in[i + 3] == '=')
			pad = in[i + 2] == '=' ? 2 : 1;
		for (k = 0; k < 4; k++) {
			int d = k >= 4 - pad ? 0 : b64_value(in[i + k]);

			if (d < 0)
				return -EINVAL;
			v = v << 6 | d;
		}
		/* Canonical only: the bits beyond the data must be zero. */
		if ((pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff)))
			return -EINVAL;
		if (n + 3 - pad > size)
			return -EINVAL;
		out[n++] = v >> 16;
		if (pad < 2)
			out[n++] = v >> 8;
		if (pad < 1)
			out[n++] = v;
	}
	return n;
}

int parse_key(const uint8_t *data, size_t len, uint8_t key[TANDEM_KEY_LEN])
{
	uint8_t tmp[TANDEM_KEY_LEN];

	if (len == TANDEM_KEY_LEN) {
		memcpy(key, data, TANDEM_KEY_LEN);
		return 0;
	}
	while (len && isspace(data[len - 1]))
		len--;
	while (len && isspace(*data)) {
		data++;
		len--;
	}
	if (len != TANDEM_KEY_B64_LEN ||
	    base64_decode((const char *)data, len, tmp, sizeof(tmp)) !=
	    TANDEM_KEY_LEN)
		return -EINVAL;
	memcpy(key, tmp, TANDEM_KEY_LEN);
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
}

int read_key_file(const char *path, uint8_t key[TANDEM_KEY_LEN])
{
	uint8_t buf[TANDEM_KEY_FILE_MAX + 1];
	size_t len = 0;
	int fd, ret = 0;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (!ret)
		ret = len > TANDEM_KEY_FILE_MAX ? -EFBIG : parse_key(buf, len, key);
	explicit_bzero(buf, sizeof(buf));
	return ret;
}
