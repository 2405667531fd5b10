/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CLI's side of tandemd's control socket (ctl/tandemd/control.c): the
 * socket is $TANDEMD_SOCKET, or the abstract "@tandemd" of the current
 * network namespace (so "tandem -n NS" reaches the tandemd of NS).
 */
#ifndef TANDEM_DAEMON_H
#define TANDEM_DAEMON_H

#include <stdio.h>
#include <json-c/json.h>

#include "tandem.h"

/*
 * Send one request line; the JSON reply in *reply. -ECONNREFUSED or
 * -ENOENT when no tandemd listens, -EBADMSG for a reply that is not JSON.
 */
int tandemd_request(const char *line, struct json_object **reply);

/*
 * Add tandemd's view of each group ("agreement": role, epoch, lease,
 * health and members) to the groups of a GROUP_GET reply. Nothing when no
 * tandemd runs, so the kernel-only output stays as it is.
 */
void tandemd_annotate(struct json_object *groups);

/*
 * Without the module (a node whose tandemd runs the bpf data path): the
 * groups of tandemd's status alone, each {"name", "agreement"}; name NULL
 * for all. Returns an exit status; without a tandemd either, the module's
 * "not loaded" message.
 */
int tandemd_show_groups(const struct tandem_opts *opts, const char *name);

/* Does a running tandemd run group @name on the bpf data path (on a node
 * where the module is loaded but does not hold it)? A witness's is not. */
bool tandemd_has_group(const char *name);

/* Group blocks (tandem_print_blocks), with tandemd's lines if annotated. */
void tandemd_print_groups(FILE *f, struct json_object *groups);

/* "tandem switchover GROUP [to NODE]": returns an exit status. */
int switchover_main(const struct tandem_opts *opts, int argc, char **argv);
void switchover_help(FILE *f);

/* "tandem node { standby | online } [GROUP]", "tandem node show". */
int node_main(const struct tandem_opts *opts, int argc, char **argv);
void node_help(FILE *f);

#endif /* TANDEM_DAEMON_H */
