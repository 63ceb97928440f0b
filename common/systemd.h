/* systemd.h — what wsgate asks of systemd, through Debian's libsystemd: the
 * readiness protocol (Type=notify) and a stream into the journal. Both do
 * nothing harmful when systemd is not there. */
#ifndef WSGATE_SYSTEMD_H
#define WSGATE_SYSTEMD_H

/* Tells the service manager state ("READY=1", "RELOADING=1", "STOPPING=1",
 * "STATUS=..."): a no-op unless NOTIFY_SOCKET is set. */
void ws_sd_notify(const char *state);

/* Returns a new fd whose lines go to the journal as wsgate's, each line's
 * priority read from a "<N>" prefix; -1 when there is no journal. The
 * caller closes it. */
int ws_sd_journal_stream(void);

#endif
