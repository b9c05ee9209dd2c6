/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test-only RTMP server over kernel sockets: dataplane/rtmp driven through
 * its ops table, one connection at a time on 127.0.0.1, the published media
 * written as an FLV file.  Lets real publishers (ffmpeg, GStreamer's
 * rtmp2sink) prove the protocol layer before the DPDK stack carries it.
 *
 *   rtmp_test_server --port-file F --out OUT.flv [--port P] [--app live]
 *                    [--key testkey] [--conns N] [--capture FILE]
 *                    [--timeout-s S]
 *
 * Binds the given port (0 = any, written to --port-file once listening),
 * serves N connections in turn, then prints the per-lcore counters as
 * key=value lines and exits 0.  --capture appends every received byte of
 * the first published connection to FILE (for replay tests).
 * Not part of spate; never built into the dataplane.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rtmp_session.h"

struct server {
	int fd;
	const char *app, *key;
	FILE *flv;
	FILE *capture;
	bool flv_header_done;
	bool metadata_done;
	bool published;
	bool closed;
	int conn_index;
	uint8_t *msgbuf;
	uint32_t msgbuf_size;
	uint64_t seed;
	enum spate_rtmp_close_reason reason;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int op_send(void *ctx, const void *data, size_t len)
{
	struct server *s = ctx;
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = send(s->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void op_random(void *ctx, void *buf, size_t len)
{
	struct server *s = ctx;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		s->seed = s->seed * 6364136223846793005ull +
			  1442695040888963407ull;
		p[i] = (uint8_t)(s->seed >> 33);
	}
}

static void *op_msgbuf_get(void *ctx, uint32_t *size)
{
	struct server *s = ctx;

	*size = s->msgbuf_size;
	return s->msgbuf;
}

static void op_msgbuf_put(void *ctx, void *buf)
{
	(void)ctx;
	(void)buf;
}

static int op_authorize(void *ctx, const char *app, size_t app_len,
			const char *key, size_t key_len, void **stream)
{
	struct server *s = ctx;

	fprintf(stderr, "rtmp_test_server: publish app=%.*s key=%.*s\n",
		(int)app_len, app, (int)key_len, key);
	if (app_len != strlen(s->app) || memcmp(app, s->app, app_len) != 0 ||
	    key_len != strlen(s->key) || memcmp(key, s->key, key_len) != 0)
		return -ENOENT;
	*stream = s;
	s->published = true;
	return 0;
}

static void flv_write(struct server *s, uint8_t type, uint32_t ts,
		      const uint8_t *body, uint32_t len)
{
	uint8_t hdr[SPATE_FLV_TAG_HEADER_LEN], tr[SPATE_FLV_TAG_TRAILER_LEN];

	if (!s->flv_header_done) {
		uint8_t fh[SPATE_FLV_FILE_HEADER_LEN];

		spate_rtmp_flv_file_header(fh, true, true);
		fwrite(fh, 1, sizeof(fh), s->flv);
		s->flv_header_done = true;
	}
	spate_rtmp_flv_tag_header(hdr, type, ts, len);
	spate_rtmp_flv_tag_trailer(tr, len);
	fwrite(hdr, 1, sizeof(hdr), s->flv);
	fwrite(body, 1, len, s->flv);
	fwrite(tr, 1, sizeof(tr), s->flv);
}

static int op_on_metadata(void *ctx, void *stream,
			  const struct spate_rtmp_metadata *md)
{
	struct server *s = ctx;

	(void)stream;
	/* Some publishers (GStreamer's flvmux) repeat it; a file has one. */
	if (s->metadata_done)
		return 0;
	s->metadata_done = true;
	fprintf(stderr,
		"rtmp_test_server: metadata %gx%g @%g fps, vcodec %u acodec %u\n",
		md->width, md->height, md->framerate, md->video_codec,
		md->audio_codec);
	flv_write(s, SPATE_FLV_TAG_SCRIPT, md->timestamp_ms, md->amf,
		  md->amf_len);
	return 0;
}

static int op_on_media(void *ctx, void *stream,
		       const struct spate_rtmp_media *m)
{
	struct server *s = ctx;

	(void)stream;
	flv_write(s, m->type, m->timestamp_ms, m->data, m->len);
	return 0;
}

static void op_unpublish(void *ctx, void *stream)
{
	struct server *s = ctx;

	(void)stream;
	fflush(s->flv);
	fprintf(stderr, "rtmp_test_server: unpublish\n");
}

static void op_close(void *ctx, enum spate_rtmp_close_reason reason)
{
	struct server *s = ctx;

	s->closed = true;
	s->reason = reason;
}

static const struct spate_rtmp_conn_ops ops = {
	.send = op_send,
	.random = op_random,
	.msgbuf_get = op_msgbuf_get,
	.msgbuf_put = op_msgbuf_put,
	.authorize = op_authorize,
	.on_metadata = op_on_metadata,
	.on_media = op_on_media,
	.unpublish = op_unpublish,
	.close = op_close,
};

static void serve(struct server *s, struct spate_rtmp_lcore *lc, int fd)
{
	static uint8_t buf[65536];
	struct spate_rtmp_conn *conn = calloc(1, sizeof(*conn));
	bool capture = s->capture != NULL && !s->published;

	s->fd = fd;
	s->closed = false;
	spate_rtmp_conn_init(conn, lc, &ops, s, now_ms());
	while (!s->closed) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n = poll(&pfd, 1, 100);

		if (n < 0 && errno != EINTR)
			break;
		if (n > 0) {
			ssize_t r = recv(fd, buf, sizeof(buf), 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				spate_rtmp_conn_eof(conn, now_ms());
				break;
			}
			if (capture)
				fwrite(buf, 1, (size_t)r, s->capture);
			spate_rtmp_conn_input(conn, buf, (size_t)r, now_ms());
		}
		spate_rtmp_conn_timer(conn, now_ms());
	}
	if (!s->closed)
		spate_rtmp_conn_fini(conn);
	else
		fprintf(stderr, "rtmp_test_server: conn %d closed: %s (%s)\n",
			s->conn_index, spate_rtmp_close_reason_name(s->reason),
			spate_rtmp_perr_name(spate_rtmp_conn_perr(conn)));
	if (capture && s->published) {
		fclose(s->capture);
		s->capture = NULL;
	}
	free(conn);
	close(fd);
}

#define COUNTER(name) printf(#name "=%llu\n", (unsigned long long)st->name)

static void print_counters(const struct spate_rtmp_counters *st)
{
	COUNTER(conns_opened);
	COUNTER(conns_closed);
	COUNTER(bytes_in);
	COUNTER(bytes_out);
	COUNTER(chunks_in);
	COUNTER(messages_in);
	COUNTER(bytes_copied);
	COUNTER(handshakes_simple);
	COUNTER(handshakes_digest);
	COUNTER(commands);
	COUNTER(connects);
	COUNTER(publishes);
	COUNTER(bad_names);
	COUNTER(metadata);
	COUNTER(audio_msgs);
	COUNTER(video_msgs);
	COUNTER(media_malformed);
	COUNTER(acks_sent);
	for (int i = 1; i < SPATE_RTMP_PERR_MAX; i++)
		printf("protocol_error_%s=%llu\n", spate_rtmp_perr_name(i),
		       (unsigned long long)st->protocol_errors[i]);
}

int main(int argc, char **argv)
{
	struct server s = {.app = "live", .key = "testkey", .seed = 1};
	const char *port_file = NULL, *out = NULL, *capture = NULL;
	int port = 0, conns = 1, timeout_s = 60;
	struct spate_rtmp_config cfg;
	struct spate_rtmp_lcore *lc;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int lfd, one = 1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port-file"))
			port_file = argv[i + 1];
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		else if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--app"))
			s.app = argv[i + 1];
		else if (!strcmp(argv[i], "--key"))
			s.key = argv[i + 1];
		else if (!strcmp(argv[i], "--conns"))
			conns = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--capture"))
			capture = argv[i + 1];
		else if (!strcmp(argv[i], "--timeout-s"))
			timeout_s = atoi(argv[i + 1]);
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (out == NULL) {
		fprintf(stderr,
			"usage: %s --out FILE.flv [--port-file F] ...\n",
			argv[0]);
		return 2;
	}
	s.flv = fopen(out, "wb");
	if (s.flv == NULL || (capture && !(s.capture = fopen(capture, "wb")))) {
		perror("fopen");
		return 1;
	}
	spate_rtmp_config_default(&cfg);
	lc = calloc(1, sizeof(*lc));
	if (spate_rtmp_lcore_init(lc, &cfg) < 0)
		return 1;
	s.msgbuf_size = cfg.max_message_bytes + (1u << 20);
	s.msgbuf = malloc(s.msgbuf_size);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(lfd, 4) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("bind/listen");
		return 1;
	}
	if (port_file != NULL) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (f == NULL)
			return 1;
		fprintf(f, "%u\n", ntohs(sa.sin_port));
		fclose(f);
		rename(tmp, port_file);
	}
	fprintf(stderr, "rtmp_test_server: listening on 127.0.0.1:%u\n",
		ntohs(sa.sin_port));
	alarm((unsigned)timeout_s);
	for (s.conn_index = 0; s.conn_index < conns; s.conn_index++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			perror("accept");
			return 1;
		}
		serve(&s, lc, fd);
	}
	fclose(s.flv);
	if (s.capture)
		fclose(s.capture);
	print_counters(&lc->stats);
	free(s.msgbuf);
	free(lc);
	close(lfd);
	return 0;
}
