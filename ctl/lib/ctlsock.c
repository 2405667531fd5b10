// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <string.h>

#include "ctlsock.h"

socklen_t tandem_ctlsock_addr(const char *path, struct sockaddr_un *sun)
{
	size_t len = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (len >= sizeof(sun->sun_path))
		return 0;
	memcpy(sun->sun_path, path, len);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	return offsetof(struct sockaddr_un, sun_path) + len + (path[0] != '@');
}
