/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_ts_pipeline_run against spate_pkg_pipeline_run (libavformat) on
 * the same ffmpeg-made transport streams: the packager must publish the
 * same objects, byte for byte (init segments, media segments, playlists,
 * MPD), whichever demuxer fed it.  That is the point of making our AUs
 * and timestamps identical to libavformat's: redundant origins on
 * different ingest paths stay interchangeable.
 *
 * FFMPEG in the environment names the program (meson sets it).
 */
/* cmocka.h needs these four first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packager/demux.h"
#include "packager/packager.h"
#include "packager/pipeline.h"
#include "ts/ts_pipeline.h"

#define MAX_OBJECTS 512

static const char *ffmpeg_bin = "ffmpeg";
static char tmp_dir[] = "/tmp/spate-tsp-XXXXXX";

struct object {
	char name[64];
	enum spate_object_kind kind;
	uint8_t *data;
	size_t len;
};

struct mem_output {
	struct object obj[MAX_OBJECTS];
	unsigned n;
};

static struct object *find(struct mem_output *m, const char *name)
{
	for (unsigned i = 0; i < m->n; i++)
		if (strcmp(m->obj[i].name, name) == 0)
			return &m->obj[i];
	return NULL;
}

static int mem_publish(void *ctx, const struct spate_object_info *info,
		       const struct spate_iov *iov, unsigned iovcnt)
{
	struct mem_output *m = ctx;
	struct object *o = find(m, info->name);
	size_t len = 0;

	if (o == NULL) {
		assert_true(m->n < MAX_OBJECTS);
		o = &m->obj[m->n++];
		snprintf(o->name, sizeof(o->name), "%s", info->name);
	}
	for (unsigned i = 0; i < iovcnt; i++)
		len += iov[i].len;
	free(o->data);
	o->data = malloc(len ? len : 1);
	assert_non_null(o->data);
	o->len = 0;
	for (unsigned i = 0; i < iovcnt; i++) {
		memcpy(o->data + o->len, iov[i].base, iov[i].len);
		o->len += iov[i].len;
	}
	o->kind = info->kind;
	return 0;
}

static int mem_remove(void *ctx, const struct spate_object_info *info)
{
	struct mem_output *m = ctx;
	struct object *o = find(m, info->name);

	if (o != NULL) {
		free(o->data);
		*o = m->obj[--m->n];
	}
	return 0;
}

static const struct spate_output_ops mem_ops = {mem_publish, mem_remove};

static void mem_free(struct mem_output *m)
{
	for (unsigned i = 0; i < m->n; i++)
		free(m->obj[i].data);
	free(m);
}

static struct spate_packager *make_packager(struct mem_output *m)
{
	struct spate_pkg_config cfg;
	struct spate_packager *p;

	spate_pkg_config_defaults(&cfg);
	cfg.segment_ms = 2000;
	cfg.part_ms = 500;
	cfg.window_ms = 20000;
	cfg.hls = 1;
	cfg.dash = 1;
	cfg.epoch_ms = 1700000000000;
	assert_int_equal(spate_packager_create(&p, &cfg, &mem_ops, m), 0);
	return p;
}

static void make_ts(const char *name, const char *args)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s -v error -nostdin -y %s -f mpegts %s/%s",
		 ffmpeg_bin, args, tmp_dir, name);
	if (system(cmd) != 0)
		fail_msg("ffmpeg failed: %s", cmd);
}

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmp_dir, name);
}

/*
 * The one expected difference: libavformat reports an AAC bit rate, which
 * its ADTS parser computes from the size of the last frame it probed (an
 * instantaneous, probe-dependent value), so the libavformat path writes a
 * 20-byte 'btrt' box into the audio init segment.  The TS demuxer does
 * not guess a bit rate, so no btrt.
 */
static int has_btrt(const struct object *o)
{
	for (size_t i = 0; i + 4 <= o->len; i++)
		if (memcmp(o->data + i, "btrt", 4) == 0)
			return 1;
	return 0;
}

/* Packages `name` both ways; every object must be the same. */
static void same_output(const char *name, unsigned min_segments)
{
	struct mem_output *a = calloc(1, sizeof(*a)),
			  *b = calloc(1, sizeof(*b));
	struct spate_packager *pa, *pb;
	struct spate_demux *d;
	struct spate_ts_stats st;
	struct spate_ts_pipeline_input in = {.read = spate_ts_read_fd,
					     .stats = &st};
	uint8_t head[1024];
	char path[256];
	unsigned segments = 0;
	ssize_t got;
	int fd;

	assert_non_null(a);
	assert_non_null(b);
	path_of(path, sizeof(path), name);
	pa = make_packager(a);
	assert_int_equal(spate_demux_open(&d, path, NULL), 0);
	assert_int_equal(spate_pkg_pipeline_run(d, pa, NULL), 0);
	spate_demux_close(d);

	/* the way spate-pkg would: sniff the head, hand it over as prefix */
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	got = read(fd, head, sizeof(head));
	assert_true(got == (ssize_t)sizeof(head));
	assert_int_equal(spate_ts_sniff(head, sizeof(head)), 1);
	in.opaque = &fd;
	in.prefix = head;
	in.prefix_len = sizeof(head);
	pb = make_packager(b);
	assert_int_equal(spate_ts_pipeline_run(&in, pb, NULL), 0);
	close(fd);
	assert_int_equal(st.cc_errors + st.pes_dropped + st.es_errors, 0);

	assert_int_equal(a->n, b->n);
	for (unsigned i = 0; i < a->n; i++) {
		struct object *x = &a->obj[i], *y = find(b, x->name);

		if (y == NULL)
			fail_msg("%s: only libavformat's path published it",
				 x->name);
		if (x->kind == SPATE_OBJ_INIT &&
		    strncmp(x->name, "a", 1) == 0 && has_btrt(x) &&
		    !has_btrt(y) && x->len == y->len + 20)
			continue; /* see has_btrt() */
		if (x->len != y->len || memcmp(x->data, y->data, x->len) != 0)
			fail_msg("%s differs (%zu bytes vs %zu)", x->name,
				 x->len, y->len);
		segments += x->kind == SPATE_OBJ_SEGMENT;
	}
	assert_true(segments >= min_segments);
	spate_packager_destroy(pa);
	spate_packager_destroy(pb);
	mem_free(a);
	mem_free(b);
}

static void test_h264_aac(void **state)
{
	(void)state;
	make_ts("a.ts", "-f lavfi -i testsrc2=size=320x240:rate=25 "
			"-f lavfi -i sine=sample_rate=44100 -t 6 "
			"-c:v libx264 -preset ultrafast -g 25 -c:a aac");
	same_output("a.ts", 3);
}

static void test_ladder_hevc(void **state)
{
	(void)state;
	make_ts("l.ts", "-f lavfi -i testsrc2=size=320x240:rate=25 "
			"-f lavfi -i sine=sample_rate=48000 -t 6 "
			"-map 0:v -map 0:v -map 1:a -c:v libx265 "
			"-preset ultrafast -x265-params log-level=error:"
			"keyint=25:min-keyint=25:scenecut=0 -s:v:1 160x120 "
			"-c:a aac");
	same_output("l.ts", 6);
}

static void test_nothing_packageable(void **state)
{
	struct mem_output *m = calloc(1, sizeof(*m));
	struct spate_packager *p;
	struct spate_ts_pipeline_input in = {.read = spate_ts_read_fd};
	char path[256];
	int fd;

	(void)state;
	assert_non_null(m);
	make_ts("mp2.ts", "-f lavfi -i sine -t 1 -c:a mp2");
	path_of(path, sizeof(path), "mp2.ts");
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	in.opaque = &fd;
	p = make_packager(m);
	assert_int_equal(spate_ts_pipeline_run(&in, p, NULL), -ENOENT);
	close(fd);
	spate_packager_destroy(p);
	mem_free(m);
}

static int setup(void **state)
{
	const char *e = getenv("FFMPEG");

	(void)state;
	if (e != NULL && *e)
		ffmpeg_bin = e;
	return mkdtemp(tmp_dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h264_aac),
		cmocka_unit_test(test_ladder_hevc),
		cmocka_unit_test(test_nothing_packageable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
