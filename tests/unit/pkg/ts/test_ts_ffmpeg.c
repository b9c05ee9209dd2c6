/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_ts_demux against libavformat on real ffmpeg-made transport
 * streams: H.264+AAC, HEVC+AAC (44.1 kHz, so frame times do not divide
 * evenly), H.264+Opus, a 3-video ladder, two programs, and PTS running
 * across the 33-bit wrap.  For every PID, every access unit we emit must
 * match what av_read_frame gives on the same file: same count, same
 * pts/dts (modulo 2^33: libavformat unwraps, we do not), same bytes (for
 * AAC, libavformat's per-ADTS-frame packets).  The same file fed in UDP
 * datagram sized chunks and in random chunks must give the same output.
 *
 * FFMPEG in the environment names the program (meson sets it).
 * SPATE_TS_KEEP=1 keeps the temporary directory.
 */
/* cmocka.h needs these four first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavformat/avformat.h>

#include "ts_collect.h"

#define WRAP_MASK ((INT64_C(1) << 33) - 1)

static const char *ffmpeg_bin = "ffmpeg";
static char tmp_dir[] = "/tmp/spate-ts-XXXXXX";

/* Sources: short, small, with a key frame every second. */
#define SRC_V	"-f lavfi -i testsrc2=size=320x240:rate=25"
#define SRC_A48 "-f lavfi -i sine=frequency=440:sample_rate=48000"
#define SRC_A44 "-f lavfi -i sine=frequency=440:sample_rate=44100"
#define X264	"-c:v libx264 -preset ultrafast -g 25"

static void make_ts(const char *name, const char *args)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "%s -v error -nostdin -y %s -f mpegts %s/%s",
		 ffmpeg_bin, args, tmp_dir, name);
	if (system(cmd) != 0)
		fail_msg("ffmpeg failed: %s", cmd);
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	long n;
	uint8_t *p;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	assert_true(n > 0);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* libavformat's view of the same file, in struct collect form. */
static void lav_read(const char *name, struct collect *c, int sample_rate[8192])
{
	AVFormatContext *fmt = NULL;
	AVPacket *pkt = av_packet_alloc();
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
	assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
	for (unsigned i = 0; i < fmt->nb_streams; i++)
		sample_rate[fmt->streams[i]->id & 0x1fff] =
			fmt->streams[i]->codecpar->sample_rate;
	c->n_streams = fmt->nb_streams;
	while (av_read_frame(fmt, pkt) >= 0) {
		struct spate_pkg_packet p = {
			.pts = pkt->pts == AV_NOPTS_VALUE ? SPATE_PKG_NOPTS
							  : pkt->pts,
			.dts = pkt->dts == AV_NOPTS_VALUE ? SPATE_PKG_NOPTS
							  : pkt->dts,
			.data = pkt->data,
			.size = (size_t)pkt->size,
			.key = (pkt->flags & AV_PKT_FLAG_KEY) != 0,
		};

		col_on_packet(c, (uint16_t)fmt->streams[pkt->stream_index]->id,
			      &p);
		av_packet_unref(pkt);
	}
	av_packet_free(&pkt);
	avformat_close_input(&fmt);
}

/*
 * Annex B bytes with leading and trailing zero bytes trimmed (down to a
 * 3-byte start code).  libavformat 5.1's HEVC parser moves the first zero
 * of the next AU's 4-byte start code to the end of the previous packet;
 * the PES holds the AU exactly.  Comparing trimmed bytes keeps the test
 * strict about everything else.
 */
static void trim_zeros(const uint8_t **p, size_t *n)
{
	while (*n > 3 && (*p)[0] == 0 && (*p)[1] == 0 && (*p)[2] == 0) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && (*p)[*n - 1] == 0)
		(*n)--;
}

static int same_bytes(const struct col_au *x, const struct col_au *y,
		      int annex_b)
{
	const uint8_t *a = x->data, *b = y->data;
	size_t an = x->size, bn = y->size;

	if (annex_b) {
		trim_zeros(&a, &an);
		trim_zeros(&b, &bn);
	}
	return an == bn && memcmp(a, b, an) == 0;
}

static int same_ts(int64_t a, int64_t b)
{
	if (a == SPATE_PKG_NOPTS || b == SPATE_PKG_NOPTS)
		return a == b;
	return ((a - b) & WRAP_MASK) == 0;
}

/*
 * Every PID's AU sequence equal to libavformat's.  `video_keys`: also
 * compare key flags on video (RAI against libavformat's parser).
 */
static void compare_pids(const struct collect *ours, const struct collect *lav)
{
	size_t compared = 0;

	assert_int_equal(ours->n_au, lav->n_au);
	for (unsigned s = 0; s < ours->n_streams; s++) {
		uint16_t pid = ours->streams[s].s.pid;
		size_t i = 0, k = 0;
		int video = ours->streams[s].s.desc.type == SPATE_MEDIA_VIDEO;
		int hevc = ours->streams[s].s.desc.codec == SPATE_CODEC_HEVC;

		for (;;) {
			while (i < ours->n_au && ours->au[i].pid != pid)
				i++;
			while (k < lav->n_au && lav->au[k].pid != pid)
				k++;
			if (i == ours->n_au || k == lav->n_au)
				break;
			const struct col_au *x = &ours->au[i], *y = &lav->au[k];

			if (!same_ts(x->pts, y->pts) ||
			    !same_ts(x->dts, y->dts) ||
			    !same_bytes(x, y, hevc) ||
			    (video && x->key != y->key))
				fail_msg("PID %u AU %zu/%zu: ours pts %" PRId64
					 " dts %" PRId64 " size %zu key %d, "
					 "libavformat pts %" PRId64
					 " dts %" PRId64 " size %zu key %d",
					 pid, i, k, x->pts, x->dts, x->size,
					 x->key, y->pts, y->dts, y->size,
					 y->key);
			i++;
			k++;
			compared++;
		}
		assert_int_equal(i, ours->n_au);
		assert_int_equal(k, lav->n_au);
	}
	assert_int_equal(compared, ours->n_au);
}

static void assert_clean(const struct spate_ts_stats *st)
{
	assert_int_equal(st->sync_losses, 0);
	assert_int_equal(st->bytes_skipped, 0);
	assert_int_equal(st->cc_errors, 0);
	assert_int_equal(st->psi_crc_errors, 0);
	assert_int_equal(st->psi_errors, 0);
	assert_int_equal(st->pes_header_errors, 0);
	assert_int_equal(st->pes_dropped, 0);
	assert_int_equal(st->es_errors, 0);
	assert_int_equal(st->streams_late, 0);
}

/*
 * Demuxes `name` whole, in 7x188 datagrams and in random chunks; checks
 * all three against libavformat.  Returns our streams for extra checks.
 */
static void check_file(const char *name, unsigned n_streams,
		       struct collect *ours_out)
{
	static int rate[8192];
	struct collect ours = {0}, udp = {0}, rnd = {0}, lav = {0};
	size_t len;
	uint8_t *ts = slurp(name, &len);

	memset(rate, 0, sizeof(rate));
	assert_int_equal(col_run(&ours, ts, len, 0), 0);
	assert_int_equal(col_run(&udp, ts, len, 7 * 188), 0);
	assert_int_equal(col_run(&rnd, ts, len, -3000), 0);
	lav_read(name, &lav, rate);
	assert_int_equal(ours.n_streams, n_streams);
	assert_int_equal(lav.n_streams, n_streams);
	assert_true(ours.n_au > 0);
	assert_clean(&ours.stats);
	for (unsigned s = 0; s < ours.n_streams; s++) {
		const struct col_stream *cs = &ours.streams[s];

		assert_null(cs->s.unsupported);
		assert_int_equal(cs->first_au, 0); /* announced up front */
		assert_int_equal(cs->s.desc.tb_den, 90000);
		assert_int_equal(cs->s.desc.ts_wrap_bits, 33);
		if (cs->s.desc.type == SPATE_MEDIA_AUDIO)
			assert_int_equal(cs->s.desc.sample_rate,
					 rate[cs->s.pid]);
	}
	compare_pids(&ours, &lav);
	assert_true(col_same(&ours, &udp));
	assert_true(col_same(&ours, &rnd));
	col_free(&udp);
	col_free(&rnd);
	col_free(&lav);
	free(ts);
	if (ours_out != NULL)
		*ours_out = ours;
	else
		col_free(&ours);
}

static unsigned count_codec(const struct collect *c, enum spate_codec_id id)
{
	unsigned n = 0;

	for (unsigned s = 0; s < c->n_streams; s++)
		n += c->streams[s].s.desc.codec == id;
	return n;
}

static void test_h264_aac(void **state)
{
	struct collect c;

	(void)state;
	make_ts("h264_aac.ts", SRC_V " " SRC_A48 " -t 3 " X264 " -c:a aac");
	check_file("h264_aac.ts", 2, &c);
	assert_int_equal(count_codec(&c, SPATE_CODEC_H264), 1);
	assert_int_equal(count_codec(&c, SPATE_CODEC_AAC), 1);
	/* 3 s at 25 fps, one key frame a second, flagged by RAI */
	{
		unsigned video = 0, keys = 0;

		for (size_t i = 0; i < c.n_au; i++)
			if (c.au[i].pid == c.streams[0].s.pid) {
				video++;
				keys += c.au[i].key;
			}
		assert_int_equal(video, 75);
		assert_int_equal(keys, 3);
	}
	col_free(&c);
}

static void test_hevc_aac44(void **state)
{
	struct collect c;

	(void)state;
	make_ts("hevc_aac.ts",
		SRC_V " " SRC_A44 " -t 3 -c:v libx265 -preset ultrafast "
		      "-x265-params log-level=error:keyint=25 -c:a aac "
		      "-metadata:s:a:0 language=fra");
	check_file("hevc_aac.ts", 2, &c);
	assert_int_equal(count_codec(&c, SPATE_CODEC_HEVC), 1);
	assert_string_equal(c.streams[1].s.desc.language, "fra");
	assert_int_equal(c.streams[1].s.desc.channels, 1);
	col_free(&c);
}

static void test_h264_opus(void **state)
{
	struct collect c;

	(void)state;
	make_ts("h264_opus.ts",
		SRC_V " " SRC_A48 " -t 3 " X264 " -c:a libopus -ac 2");
	check_file("h264_opus.ts", 2, &c);
	assert_int_equal(count_codec(&c, SPATE_CODEC_OPUS), 1);
	assert_int_equal(c.streams[1].s.desc.extradata_len, 19);
	assert_memory_equal(c.streams[1].s.desc.extradata, "OpusHead\1\2", 10);
	assert_int_equal(c.streams[1].s.desc.sample_rate, 48000);
	col_free(&c);
}

static void test_ladder3(void **state)
{
	struct collect c;

	(void)state;
	make_ts("ladder.ts", SRC_V
		" " SRC_A48 " -t 2 -map 0:v -map 0:v -map 0:v -map 1:a " X264
		" -b:v:0 600k -b:v:1 300k -s:v:1 160x120 "
		"-b:v:2 150k -s:v:2 96x64 -c:a aac");
	check_file("ladder.ts", 4, &c);
	assert_int_equal(count_codec(&c, SPATE_CODEC_H264), 3);
	/* PMT order: the three videos first, as ffmpeg wrote them */
	for (unsigned s = 0; s < 3; s++)
		assert_int_equal(c.streams[s].s.desc.type, SPATE_MEDIA_VIDEO);
	col_free(&c);
}

static void test_two_programs(void **state)
{
	struct collect c, only2 = {0};
	struct spate_ts_config cfg;
	size_t len;
	uint8_t *ts;

	(void)state;
	make_ts("two_prog.ts", SRC_V
		" " SRC_A48 " -t 2 -map 0:v -map 1:a -map 0:v -map 1:a " X264
		" -c:a aac -s:v:1 160x120 "
		"-program program_num=1:title=one:st=0:st=1 "
		"-program program_num=2:title=two:st=2:st=3");
	check_file("two_prog.ts", 4, &c);
	assert_int_equal(c.stats.n_programs, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(c.stats.programs[i].program_number, i + 1);
		assert_true(c.stats.programs[i].last_pcr >= 0);
	}
	/* program_number selects one program's streams only */
	ts = slurp("two_prog.ts", &len);
	col_config(&cfg, &only2);
	cfg.program_number = 2;
	assert_int_equal(col_run_cfg(&only2, &cfg, ts, len, 0), 0);
	assert_int_equal(only2.n_streams, 2);
	for (unsigned s = 0; s < 2; s++)
		assert_int_equal(only2.streams[s].s.program_number, 2);
	assert_int_equal(only2.stats.n_programs, 1);
	assert_true(only2.n_au > 0 && only2.n_au < c.n_au);
	for (size_t i = 0; i < only2.n_au; i++)
		assert_true(only2.au[i].pid == only2.streams[0].s.pid ||
			    only2.au[i].pid == only2.streams[1].s.pid);
	col_free(&only2);
	/* first_program_only: program 1 */
	col_config(&cfg, &only2);
	cfg.first_program_only = 1;
	assert_int_equal(col_run_cfg(&only2, &cfg, ts, len, 0), 0);
	assert_int_equal(only2.n_streams, 2);
	assert_int_equal(only2.streams[0].s.program_number, 1);
	col_free(&only2);
	free(ts);
	col_free(&c);
}

static void test_pts_wrap(void **state)
{
	struct collect c;
	int wrapped = 0;

	(void)state;
	/* 2^33 / 90 kHz = 95443.7 s: the clock wraps 3.7 s in */
	make_ts("wrap.ts", SRC_V " " SRC_A48 " -t 6 " X264
				 " -c:a aac -output_ts_offset 95440");
	check_file("wrap.ts", 2, &c);
	for (size_t i = 1; i < c.n_au; i++)
		if (c.au[i].pid == c.au[0].pid && c.au[i].dts < c.au[0].dts)
			wrapped = 1;
	assert_true(wrapped);
	for (size_t i = 0; i < c.n_au; i++)
		assert_true(c.au[i].pts >= 0 && c.au[i].pts <= WRAP_MASK);
	col_free(&c);
}

static int setup(void **state)
{
	const char *e = getenv("FFMPEG");

	(void)state;
	if (e != NULL && *e)
		ffmpeg_bin = e;
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (getenv("SPATE_TS_KEEP") != NULL) {
		fprintf(stderr, "kept %s\n", tmp_dir);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h264_aac),
		cmocka_unit_test(test_hevc_aac44),
		cmocka_unit_test(test_h264_opus),
		cmocka_unit_test(test_ladder3),
		cmocka_unit_test(test_two_programs),
		cmocka_unit_test(test_pts_wrap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
