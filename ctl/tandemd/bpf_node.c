// SPDX-License-Identifier: GPL-2.0
/*
 * The bpf backend's node side (bpf_node.h): what the module does in the
 * kernel at a takeover and the tc programs cannot, for a group's VIP on
 * its client-facing devices. A promoted node sends gratuitous ARP requests
 * (the clients' neighbour entries move to it) and puts the VIP on those
 * devices, so that it answers the clients' later ARP probes (a backup has
 * the VIP on lo only and, with arp_ignore=1, answers none: after the
 * gratuitous ARPs the clients' entries would fail at their first probe);
 * a node that stops being primary takes back the addresses it added.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>

#include "bpf_node.h"
#include "tandemd.h"

/* A gratuitous ARP request for the VIP out of dev (who has VIP, tell VIP). */
void bpf_node_garp(const struct td_group *g, const char *dev)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ARP),
				   .sll_halen = ETH_ALEN };
	uint8_t f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct ifreq ifr = { 0 };
	int fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (fd < 0)
		goto fail;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	sll.sll_ifindex = if_nametoindex(dev);
	if (!sll.sll_ifindex || ioctl(fd, SIOCGIFHWADDR, &ifr))
		goto fail;
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	memcpy(f + 6, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	f[12] = ETH_P_ARP >> 8;
	f[13] = ETH_P_ARP & 0xff;
	f[15] = 1;			/* Ethernet */
	f[16] = 0x08;			/* IPv4 */
	f[18] = ETH_ALEN;
	f[19] = 4;
	f[21] = 1;			/* request */
	memcpy(f + 22, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(f + 28, g->vip.bytes, 4);
	memcpy(f + 38, g->vip.bytes, 4);
	if (sendto(fd, f, sizeof(f), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	close(fd);
	return;
fail:
	td_warn("group %s: bpf: cannot send a gratuitous ARP on %s: %s", g->name,
		dev, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* RTM_NEWADDR (EEXIST: there already) or RTM_DELADDR of VIP/32 on ifindex. */
static int vip_addr(const struct td_group *g, int ifindex, bool add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	unsigned int seq = time(NULL), portid;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, 4, g->vip.bytes);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, g->vip.bytes);
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	ret = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID);
	portid = mnl_socket_get_portid(nl);
	if (!ret && mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = -1;
	if (!ret) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret >= 0)
			ret = mnl_cb_run(buf, ret, seq, portid, NULL, NULL);
		ret = ret < 0 ? -1 : 0;
	}
	if (ret)
		ret = -errno;
	mnl_socket_close(nl);
	return ret;
}

int bpf_node_vip(const struct td_group *g, bool primary, uint32_t *added)
{
	unsigned int i;
	int ifindex, ret, err = 0;

	for (i = 0; i < g->bpf.n_client && i < 32; i++) {
		if (primary == !!(*added & (1U << i)))
			continue;
		ifindex = if_nametoindex(g->bpf.client_dev[i]);
		ret = ifindex ? vip_addr(g, ifindex, primary) : -errno;
		if (primary && ret == -EEXIST)
			continue;	/* the operator's: left alone */
		if (!ret || (!primary && ret == -EADDRNOTAVAIL)) {
			*added ^= 1U << i;
			if (!ret)
				td_info("group %s: bpf: VIP %s %s", g->name,
					primary ? "added to" : "removed from",
					g->bpf.client_dev[i]);
			continue;
		}
		td_warn("group %s: bpf: cannot %s the VIP on %s: %s", g->name,
			primary ? "add" : "remove", g->bpf.client_dev[i],
			strerror(-ret));
		err = ret;
	}
	return err;
}
