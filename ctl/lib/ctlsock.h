/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tandemd's control socket, named the same way by the daemon (config key
 * "control") and by the CLI (TANDEMD_SOCKET): a path, or "@name" for an
 * abstract unix socket.
 */
#ifndef TANDEM_CTLSOCK_H
#define TANDEM_CTLSOCK_H

#include <sys/socket.h>
#include <sys/un.h>

#define TANDEMD_CONTROL_DEFAULT "@tandemd"

/*
 * The address of the control socket called path; returns its length, or 0
 * when the name does not fit in sun_path.
 */
socklen_t tandem_ctlsock_addr(const char *path, struct sockaddr_un *sun);

#endif /* TANDEM_CTLSOCK_H */
