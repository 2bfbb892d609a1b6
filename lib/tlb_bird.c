/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tlb_announce.h"
#include "tlb_bird.h"

int
tlb_bird_write_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	size_t off = 0;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC), at least 0. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Buffered reading of reply lines from the control socket. */
struct reader {
	int fd;
	char buf[4096];
	size_t n;
};

/* The next line (without its newline) into line. Returns 0 or -errno. */
static int
read_line(struct reader *r, char *line, size_t len, const struct timespec *deadline)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->n);
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ssize_t got;
		int pr;

		if (nl != NULL) {
			size_t l = (size_t)(nl - r->buf), c = l < len - 1 ? l : len - 1;

			memcpy(line, r->buf, c);
			line[c] = '\0';
			memmove(r->buf, nl + 1, r->n - l - 1);
			r->n -= l + 1;
			return 0;
		}
		if (r->n == sizeof(r->buf))
			return -EPROTO;		/* a line longer than BIRD ever sends */
		pr = poll(&p, 1, ms_left(deadline));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (pr == 0)
			return -ETIMEDOUT;
		got = recv(r->fd, r->buf + r->n, sizeof(r->buf) - r->n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -ECONNRESET;
		r->n += (size_t)got;
	}
}

/* Read one whole reply; *code gets its final code, msg its final line. */
static int
read_reply(struct reader *r, int *code, char *msg, size_t msg_len, const struct timespec *deadline)
{
	char line[512];
	int last = 0, c, rc;

	while (!last) {
		rc = read_line(r, line, sizeof(line), deadline);
		if (rc != 0)
			return rc;
		c = tlb_announce_bird_line(line, &last);
		if (c < 0)
			return -EPROTO;
		if (last) {
			*code = c;
			snprintf(msg, msg_len, "%s", line[4] == ' ' ? line + 5 : line + 4);
		}
	}
	return 0;
}

int
tlb_bird_configure(const char *socket_path, int timeout_ms, char *msg, size_t msg_len)
{
	static const char cmd[] = "configure\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec deadline;
	struct reader r = { .n = 0 };
	int code = -1, rc;
	size_t off = 0;

	snprintf(msg, msg_len, "-");
	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		snprintf(msg, msg_len, "socket path too long");
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	r.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (r.fd < 0)
		return -errno;
	if (connect(r.fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		snprintf(msg, msg_len, "connect %s: %s", socket_path, strerror(errno));
		goto out;
	}
	rc = read_reply(&r, &code, msg, msg_len, &deadline);	/* "0001 BIRD 2.0.12 ready." */
	if (rc == 0 && code != 1)
		rc = -EPROTO;
	if (rc != 0) {
		snprintf(msg, msg_len, "no BIRD greeting on %s: %s", socket_path, strerror(-rc));
		goto out;
	}
	while (off < sizeof(cmd) - 1) {
		ssize_t w = send(r.fd, cmd + off, sizeof(cmd) - 1 - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			snprintf(msg, msg_len, "send: %s", strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	rc = read_reply(&r, &code, msg, msg_len, &deadline);
	if (rc != 0)
		snprintf(msg, msg_len, "no answer to configure: %s", strerror(-rc));
	else if (!tlb_announce_bird_ok(code))
		rc = -EIO;	/* msg: BIRD's own words */
out:
	close(r.fd);
	return rc;
}

int
tlb_bird_live_open(const char *ifname)
{
	struct ifreq ifr;
	char path[96];
	int fd, s, rc;

	if (strlen(ifname) == 0 || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETPERSIST, 0) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* Down until tlb_bird_live_up(): a persistent one taken over may have been up. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
		rc = -errno;
		goto fail;
	}
	ifr.ifr_flags &= ~IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
		rc = -errno;
		goto fail;
	}
	close(s);
	/* No IPv6 on it: no router solicitations or MLD queued into a device nobody reads. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	s = open(path, O_WRONLY | O_CLOEXEC);
	if (s >= 0) {
		if (write(s, "1\n", 2) != 2) {
			/* best effort: IPv6 may be off already */
		}
		close(s);
	}
	return fd;
fail:
	if (s >= 0)
		close(s);
	close(fd);
	return rc;
}

int
tlb_bird_live_up(const char *ifname)
{
	struct ifreq ifr;
	int s, rc = 0;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		rc = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		rc = -errno;
	close(s);
	return rc;
}
