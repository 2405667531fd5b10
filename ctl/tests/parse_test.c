// SPDX-License-Identifier: GPL-2.0
/* Values of the command line: numbers, addresses, names, keys. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "parse.h"

TEST(numbers)
{
	uint64_t n = 7;

	ASSERT_EQ(0, parse_u64("0", 0, 10, &n));
	ASSERT_EQ(0, n);
	ASSERT_EQ(0, parse_u64("4294967295", 1, UINT32_MAX, &n));
	ASSERT_EQ(UINT32_MAX, n);
	ASSERT_EQ(0, parse_u64("18446744073709551615", 0, UINT64_MAX, &n));
	ASSERT_EQ(UINT64_MAX, n);
	ASSERT_EQ(-ERANGE, parse_u64("18446744073709551616", 0, UINT64_MAX, &n));
	ASSERT_EQ(-ERANGE, parse_u64("4294967296", 1, UINT32_MAX, &n));
	ASSERT_EQ(-ERANGE, parse_u64("0", 1, 65535, &n));
	ASSERT_EQ(-ERANGE, parse_u64("65536", 1, 65535, &n));
	ASSERT_EQ(0, parse_u64("65535", 1, 65535, &n));
	ASSERT_EQ(-EINVAL, parse_u64("", 0, 10, &n));
	ASSERT_EQ(-EINVAL, parse_u64("-1", 0, 10, &n));
	ASSERT_EQ(-EINVAL, parse_u64("+1", 0, 10, &n));
	ASSERT_EQ(-EINVAL, parse_u64(" 1", 0, 10, &n));
	ASSERT_EQ(-EINVAL, parse_u64("1 ", 0, 10, &n));
	ASSERT_EQ(-EINVAL, parse_u64("1x", 0, 10, &n));
	ASSERT_EQ(-EINVAL, parse_u64("0x10", 0, 100, &n));
	ASSERT_EQ(0, parse_u64("010", 0, 100, &n));
	ASSERT_EQ(10, n);	/* decimal, never octal */
}

TEST(sizes)
{
	uint64_t n;

	ASSERT_EQ(0, parse_size("4096", 4096, 1 << 30, &n));
	ASSERT_EQ(4096, n);
	ASSERT_EQ(0, parse_size("4K", 4096, 1 << 30, &n));
	ASSERT_EQ(4096, n);
	ASSERT_EQ(0, parse_size("4m", 4096, 1 << 30, &n));
	ASSERT_EQ(4 << 20, n);
	ASSERT_EQ(0, parse_size("4MiB", 4096, 1 << 30, &n));
	ASSERT_EQ(4 << 20, n);
	ASSERT_EQ(0, parse_size("1G", 4096, 1 << 30, &n));
	ASSERT_EQ(1 << 30, n);
	ASSERT_EQ(-ERANGE, parse_size("2G", 4096, 1 << 30, &n));
	ASSERT_EQ(-ERANGE, parse_size("3K", 4096, 1 << 30, &n));
	ASSERT_EQ(-ERANGE, parse_size("99999999999999999G", 0, UINT64_MAX, &n));
	ASSERT_EQ(-EINVAL, parse_size("4X", 4096, 1 << 30, &n));
	ASSERT_EQ(-EINVAL, parse_size("K", 4096, 1 << 30, &n));
	ASSERT_EQ(-EINVAL, parse_size("4 K", 4096, 1 << 30, &n));
}

TEST(ipv4_addresses)
{
	static const uint8_t want[4] = { 10, 0, 0, 1 };
	struct tandem_addr a;

	ASSERT_EQ(0, parse_addr("10.0.0.1", &a));
	ASSERT_EQ(AF_INET, a.family);
	ASSERT_EQ(4, a.len);
	ASSERT_EQ(0, memcmp(a.bytes, want, 4));
	ASSERT_EQ(0, parse_addr("255.255.255.255", &a));
}

TEST(ipv6_addresses)
{
	struct tandem_addr a;
	char text[TANDEM_ADDR_STRLEN];

	ASSERT_EQ(0, parse_addr("2001:db8::1", &a));
	ASSERT_EQ(AF_INET6, a.family);
	ASSERT_EQ(16, a.len);
	ASSERT_EQ(0x20, a.bytes[0]);
	ASSERT_EQ(0x01, a.bytes[1]);
	ASSERT_EQ(0x0d, a.bytes[2]);
	ASSERT_EQ(0xb8, a.bytes[3]);
	ASSERT_EQ(1, a.bytes[15]);
	ASSERT_EQ(0, format_addr(a.bytes, a.len, text, sizeof(text)));
	ASSERT_STREQ("2001:db8::1", text);
	ASSERT_EQ(0, parse_addr("::ffff:192.0.2.1", &a));
	ASSERT_EQ(16, a.len);
	ASSERT_EQ(0, parse_addr("::", &a));
}

TEST(bad_addresses)
{
	static const char *const bad[] = {
		"", "10.0.0.256", "10.0.0", "10.0.0.1.2", "1.2.3.4/24",
		"example.com", "localhost", "2001:db8::g", "2001:db8:::1",
		"[2001:db8::1]", "10.0.0.1:80", " 10.0.0.1", "fe80::1%eth0",
	};
	struct tandem_addr a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TH_LOG("address \"%s\"", bad[i]);
		ASSERT_EQ(-EINVAL, parse_addr(bad[i], &a));
	}
}

TEST(format_addresses)
{
	static const uint8_t v4[4] = { 192, 0, 2, 7 };
	char text[TANDEM_ADDR_STRLEN];

	ASSERT_EQ(0, format_addr(v4, 4, text, sizeof(text)));
	ASSERT_STREQ("192.0.2.7", text);
	ASSERT_EQ(-EINVAL, format_addr(v4, 3, text, sizeof(text)));
	ASSERT_EQ(-EINVAL, format_addr(v4, 0, text, sizeof(text)));
}

TEST(group_names)
{
	char name[64];

	ASSERT_EQ(0, parse_group_name("g1"));
	ASSERT_EQ(0, parse_group_name("web-front_end.1"));
	memset(name, 'a', sizeof(name));
	name[TANDEM_GROUP_NAME_MAX - 1] = '\0';
	ASSERT_EQ(0, parse_group_name(name));
	name[TANDEM_GROUP_NAME_MAX - 1] = 'a';
	name[TANDEM_GROUP_NAME_MAX] = '\0';
	ASSERT_EQ(-ERANGE, parse_group_name(name));
	ASSERT_EQ(-ERANGE, parse_group_name(""));
	ASSERT_EQ(-EINVAL, parse_group_name("a b"));
	ASSERT_EQ(-EINVAL, parse_group_name("a/b"));
	ASSERT_EQ(-EINVAL, parse_group_name("caf\xc3\xa9"));
}

TEST(roles_and_switches)
{
	uint8_t v;

	ASSERT_EQ(0, parse_role("primary", &v));
	ASSERT_EQ(TANDEM_ROLE_PRIMARY, v);
	ASSERT_EQ(0, parse_role("backup", &v));
	ASSERT_EQ(TANDEM_ROLE_BACKUP, v);
	ASSERT_EQ(0, parse_role("fenced", &v));
	ASSERT_EQ(TANDEM_ROLE_FENCED, v);
	ASSERT_EQ(-EINVAL, parse_role("unknown", &v));
	ASSERT_EQ(-EINVAL, parse_role("Primary", &v));
	ASSERT_STREQ("primary", role_name(TANDEM_ROLE_PRIMARY));
	ASSERT_STREQ("unknown", role_name(TANDEM_ROLE_UNSPEC));
	ASSERT_STREQ("unknown", role_name(200));
	ASSERT_EQ(0, parse_onoff("on", &v));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, parse_onoff("off", &v));
	ASSERT_EQ(0, v);
	ASSERT_EQ(-EINVAL, parse_onoff("2", &v));
}

TEST(base64_vectors)
{
	/* RFC 4648, section 10. */
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
					     "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
					     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char text[16];
	uint8_t bytes[16];
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		base64_encode((const uint8_t *)plain[i], strlen(plain[i]), text);
		ASSERT_STREQ(coded[i], text);
		ASSERT_EQ((int)strlen(plain[i]),
			  base64_decode(coded[i], strlen(coded[i]), bytes,
					sizeof(bytes)));
		ASSERT_EQ(0, memcmp(plain[i], bytes, strlen(plain[i])));
	}
}

TEST(base64_rejects)
{
	uint8_t bytes[16];

	ASSERT_EQ(-EINVAL, base64_decode("Zg=", 3, bytes, sizeof(bytes)));
	ASSERT_EQ(-EINVAL, base64_decode("Zh==", 4, bytes, sizeof(bytes)));
	ASSERT_EQ(-EINVAL, base64_decode("Zm9=", 4, bytes, sizeof(bytes)));
	ASSERT_EQ(-EINVAL, base64_decode("Z===", 4, bytes, sizeof(bytes)));
	ASSERT_EQ(-EINVAL, base64_decode("Zg==Zg==", 8, bytes, sizeof(bytes)));
	ASSERT_EQ(-EINVAL, base64_decode("Zm9v!A==", 8, bytes, sizeof(bytes)));
	ASSERT_EQ(-EINVAL, base64_decode("Zm9vYmFy", 8, bytes, 5));
}

static void test_key(uint8_t key[TANDEM_KEY_LEN])
{
	int i;

	for (i = 0; i < TANDEM_KEY_LEN; i++)
		key[i] = i * 7 + 1;
}

TEST(keys)
{
	uint8_t key[TANDEM_KEY_LEN], out[TANDEM_KEY_LEN];
	char text[TANDEM_KEY_B64_LEN + 8];

	test_key(key);
	ASSERT_EQ(0, parse_key(key, sizeof(key), out));
	ASSERT_EQ(0, memcmp(key, out, sizeof(key)));

	base64_encode(key, sizeof(key), text);
	ASSERT_EQ(TANDEM_KEY_B64_LEN, strlen(text));
	ASSERT_EQ(44, TANDEM_KEY_B64_LEN);
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, parse_key((uint8_t *)text, strlen(text), out));
	ASSERT_EQ(0, memcmp(key, out, sizeof(key)));

	strcat(text, "\n");
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, parse_key((uint8_t *)text, strlen(text), out));
	ASSERT_EQ(0, memcmp(key, out, sizeof(key)));
}

TEST(bad_keys)
{
	uint8_t key[TANDEM_KEY_LEN + 1], out[TANDEM_KEY_LEN];
	char text[64];

	test_key(key);
	key[TANDEM_KEY_LEN] = 0;
	ASSERT_EQ(-EINVAL, parse_key(key, TANDEM_KEY_LEN - 1, out));
	ASSERT_EQ(-EINVAL, parse_key(key, TANDEM_KEY_LEN + 1, out));
	ASSERT_EQ(-EINVAL, parse_key(key, 0, out));
	/* Base64 of 31 bytes is 44 characters too, but no key. */
	base64_encode(key, TANDEM_KEY_LEN - 1, text);
	ASSERT_EQ(44, strlen(text));
	ASSERT_EQ(-EINVAL, parse_key((uint8_t *)text, strlen(text), out));
	/* One character short, one too many, a bad character. */
	base64_encode(key, TANDEM_KEY_LEN, text);
	ASSERT_EQ(-EINVAL, parse_key((uint8_t *)text, 43, out));
	text[44] = 'A';
	ASSERT_EQ(-EINVAL, parse_key((uint8_t *)text, 45, out));
	text[3] = '*';
	ASSERT_EQ(-EINVAL, parse_key((uint8_t *)text, 44, out));
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

TEST(key_files)
{
	char path[] = "/tmp/tandem-key-test.XXXXXX";
	uint8_t key[TANDEM_KEY_LEN], out[TANDEM_KEY_LEN];
	char text[TANDEM_KEY_B64_LEN + 2], big[TANDEM_KEY_FILE_MAX + 10];
	int fd;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	close(fd);
	test_key(key);

	write_file(path, key, sizeof(key));
	ASSERT_EQ(0, read_key_file(path, out));
	ASSERT_EQ(0, memcmp(key, out, sizeof(key)));

	base64_encode(key, sizeof(key), text);
	strcat(text, "\n");
	write_file(path, text, strlen(text));
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, read_key_file(path, out));
	ASSERT_EQ(0, memcmp(key, out, sizeof(key)));

	write_file(path, "not a key\n", 10);
	ASSERT_EQ(-EINVAL, read_key_file(path, out));
	write_file(path, "", 0);
	ASSERT_EQ(-EINVAL, read_key_file(path, out));
	memset(big, ' ', sizeof(big));
	write_file(path, big, sizeof(big));
	ASSERT_EQ(-EFBIG, read_key_file(path, out));

	/* "-" is standard input. */
	write_file(path, text, strlen(text));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, dup2(fd, STDIN_FILENO));
	memset(out, 0, sizeof(out));
	ASSERT_EQ(0, read_key_file("-", out));
	ASSERT_EQ(0, memcmp(key, out, sizeof(key)));

	unlink(path);
	ASSERT_EQ(-ENOENT, read_key_file(path, out));
	ASSERT_EQ(-EISDIR, read_key_file("/", out));
}

TEST_HARNESS_MAIN
