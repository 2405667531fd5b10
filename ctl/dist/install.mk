# SPDX-License-Identifier: GPL-2.0
#
# make install (included by ctl/Makefile, run from ctl/; the top Makefile's
# install adds the man pages). Every directory can be overridden:
#
#   DESTDIR      staging root, prepended to every path below []
#   PREFIX       /usr/local
#   sbindir      $(PREFIX)/sbin                 tandem, tandemd
#   sysconfdir   /etc                           tandem/ (0700, created if
#                                               missing), the example config
#   datadir      $(PREFIX)/share
#   unitdir      $(PREFIX)/lib/systemd/system   tandemd.service
#   bashcompdir  $(datadir)/bash-completion/completions
#   exampledir   $(sysconfdir)/tandem           tandemd.conf.example
#
# The example is installed as tandemd.conf.example: an existing
# tandemd.conf is never written. The unit's paths follow sbindir and
# sysconfdir.

PREFIX ?= /usr/local
sbindir ?= $(PREFIX)/sbin
sysconfdir ?= /etc
datadir ?= $(PREFIX)/share
unitdir ?= $(PREFIX)/lib/systemd/system
bashcompdir ?= $(datadir)/bash-completion/completions
exampledir ?= $(sysconfdir)/tandem
INSTALL ?= install

dist/tandemd.service: dist/tandemd.service.in FORCE
	@sed -e 's|@SBINDIR@|$(sbindir)|g' -e 's|@SYSCONFDIR@|$(sysconfdir)|g' \
		$< > $@.tmp && { cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@; }

install: tandem/tandem tandemd/tandemd dist/tandemd.service
	@test -d $(DESTDIR)$(sysconfdir)/tandem || \
		$(INSTALL) -d -m 0700 $(DESTDIR)$(sysconfdir)/tandem
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(unitdir) \
		$(DESTDIR)$(bashcompdir)
	@test -d $(DESTDIR)$(exampledir) || $(INSTALL) -d $(DESTDIR)$(exampledir)
	$(INSTALL) -m 0755 tandem/tandem tandemd/tandemd $(DESTDIR)$(sbindir)/
	$(INSTALL) -m 0644 dist/tandemd.service $(DESTDIR)$(unitdir)/tandemd.service
	$(INSTALL) -m 0644 dist/tandem.bash $(DESTDIR)$(bashcompdir)/tandem
	$(INSTALL) -m 0644 dist/tandemd.conf $(DESTDIR)$(exampledir)/tandemd.conf.example

uninstall:
	rm -f $(DESTDIR)$(sbindir)/tandem $(DESTDIR)$(sbindir)/tandemd \
		$(DESTDIR)$(unitdir)/tandemd.service \
		$(DESTDIR)$(bashcompdir)/tandem \
		$(DESTDIR)$(exampledir)/tandemd.conf.example

dist-clean:
	rm -f dist/tandemd.service dist/tandemd.service.tmp

clean: dist-clean

.PHONY: install uninstall dist-clean
