/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkg/mp4 against real decoders: ffmpeg encodes short H.264+AAC,
 * HEVC+Opus and AV1 clips into ordinary MP4 files, libavformat reads their
 * decoder configurations and samples back (standing in for pkg/codec and
 * the packager, which this test must not depend on), and pkg/mp4 packages
 * each track as init + 2 segments of several fragments (LL parts, some
 * starting on non-sync frames).  Then the real ffmpeg/ffprobe programs must
 *  - demux and decode init+segments with nothing on stderr at -v error,
 *  - report every packet with the pts, duration and key flag we wrote, and
 *    decode exactly as many frames as we packaged,
 *  - decode to the same frame checksums as the source file, and
 *  - decode init + the second segment alone (a player joining late),
 * and libavformat's demuxer index must show the sync flags, sizes and
 * decode times we wrote.
 *
 * FFMPEG and FFPROBE in the environment name the programs (meson sets them).
 * SPATE_MP4_KEEP=1 keeps the temporary directory for inspection.
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
#include <sys/stat.h>
#include <sys/wait.h>

#include <libavformat/avformat.h>
#include <libavutil/intreadwrite.h>

#include "box_walk.h"
#include "mp4/mp4.h"

/* Video is rescaled to the 90 kHz clock the packager will use. */
#define VIDEO_TIMESCALE 90000

static const char *ffmpeg_bin = "ffmpeg";
static const char *ffprobe_bin = "ffprobe";
static char tmp_dir[] = "/tmp/spate-mp4-XXXXXX";

/* One track read back from a source file: what pkg/codec + demux give. */
struct src_track {
	struct spate_track_info info;
	struct spate_sample *samples;
	size_t n;
	uint8_t *payload;
	size_t *offsets; /* n + 1 entries: sample i is [offsets[i], [i+1]) */
	int any_cts;
};

static void src_track_free(struct src_track *tr)
{
	free(tr->samples);
	free(tr->payload);
	free(tr->offsets);
	memset(tr, 0, sizeof(*tr));
}

/*
 * Runs a shell command with stderr sent to a file; returns the exit status
 * and the first `out_len - 1` bytes of stdout.  Fails the test when stderr
 * is not empty and `quiet_stderr` is set: ffmpeg at -v error prints only
 * real problems, so any output there is a finding.
 */
static int run(const char *cmd, char *out, size_t out_len, int quiet_stderr)
{
	char full[4096], err_path[128], err_text[1024];
	FILE *p, *e;
	size_t got = 0, n;
	int status;

	snprintf(err_path, sizeof(err_path), "%s/stderr.txt", tmp_dir);
	snprintf(full, sizeof(full), "%s 2>%s", cmd, err_path);
	p = popen(full, "r");
	assert_non_null(p);
	if (out != NULL) {
		while (got + 1 < out_len &&
		       (n = fread(out + got, 1, out_len - 1 - got, p)) > 0)
			got += n;
		out[got] = '\0';
		assert_true(got + 1 < out_len); /* output buffer big enough */
	}
	/* drain anything left so the child is not killed by SIGPIPE */
	while (fread(full, 1, sizeof(full), p) > 0)
		;
	status = pclose(p);
	e = fopen(err_path, "r");
	assert_non_null(e);
	n = fread(err_text, 1, sizeof(err_text) - 1, e);
	err_text[n] = '\0';
	fclose(e);
	if (quiet_stderr && n > 0)
		fail_msg("stderr from `%s`:\n%s", cmd, err_text);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void write_file(const char *path, const uint8_t *p, size_t n,
		       const char *mode)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* OpusHead (what libavformat hands out) to the dOps body ISO BMFF wants. */
static void opus_head_to_dops(struct spate_track_info *t, const uint8_t *h,
			      size_t len)
{
	size_t n = 0;

	assert_true(len >= 19 && memcmp(h, "OpusHead", 8) == 0);
	t->config[n++] = 0;			 /* Version */
	t->config[n++] = h[9];			 /* OutputChannelCount */
	AV_WB16(t->config + n, AV_RL16(h + 10)); /* PreSkip */
	n += 2;
	AV_WB32(t->config + n, AV_RL32(h + 12)); /* InputSampleRate */
	n += 4;
	AV_WB16(t->config + n, AV_RL16(h + 16)); /* OutputGain */
	n += 2;
	t->config[n++] = h[18]; /* ChannelMappingFamily */
	if (h[18] != 0) {
		assert_true(len >= 21u + h[9]);
		memcpy(t->config + n, h + 19, 2u + h[9]);
		n += 2u + h[9];
	}
	t->config_len = n;
}

/*
 * Reads the first stream of `type` from an MP4 file into *tr, shifted so
 * the first dts is 0 (the writer's contract: dts >= 0, contiguous).
 */
static void load_track(const char *path, enum AVMediaType type,
		       struct src_track *tr)
{
	AVFormatContext *fmt = NULL;
	AVPacket *pkt = av_packet_alloc();
	AVCodecParameters *par;
	AVStream *st;
	AVRational tb;
	int64_t *dts, *pts, *dur, shift = 0;
	size_t cap = 4096, payload_cap = 1 << 20, payload_len = 0;
	int idx;

	memset(tr, 0, sizeof(*tr));
	assert_non_null(pkt);
	assert_int_equal(avformat_open_input(&fmt, path, NULL, NULL), 0);
	assert_true(avformat_find_stream_info(fmt, NULL) >= 0);
	idx = av_find_best_stream(fmt, type, -1, -1, NULL, 0);
	assert_true(idx >= 0);
	st = fmt->streams[idx];
	par = st->codecpar;
	tb = st->time_base;

	tr->info.language[0] = 'u';
	tr->info.language[1] = 'n';
	tr->info.language[2] = 'd';
	tr->info.avg_bitrate_bps = (uint32_t)par->bit_rate;
	if (type == AVMEDIA_TYPE_VIDEO) {
		tr->info.track_id = 1;
		tr->info.type = SPATE_MEDIA_VIDEO;
		tr->info.timescale = VIDEO_TIMESCALE;
		tr->info.width = (uint32_t)par->width;
		tr->info.height = (uint32_t)par->height;
		tr->info.sar_num =
			par->sample_aspect_ratio.num
				? (uint32_t)par->sample_aspect_ratio.num
				: 1;
		tr->info.sar_den =
			par->sample_aspect_ratio.num
				? (uint32_t)par->sample_aspect_ratio.den
				: 1;
		tr->info.codec =
			par->codec_id == AV_CODEC_ID_H264   ? SPATE_CODEC_H264
			: par->codec_id == AV_CODEC_ID_HEVC ? SPATE_CODEC_HEVC
			: par->codec_id == AV_CODEC_ID_AV1
				? SPATE_CODEC_AV1
				: SPATE_CODEC_UNKNOWN;
	} else {
		tr->info.track_id = 2;
		tr->info.type = SPATE_MEDIA_AUDIO;
		tr->info.timescale = (uint32_t)par->sample_rate;
		tr->info.sample_rate = (uint32_t)par->sample_rate;
		tr->info.channels = (uint32_t)par->ch_layout.nb_channels;
		tr->info.frame_samples = (uint32_t)par->frame_size;
		tr->info.codec = par->codec_id == AV_CODEC_ID_AAC
					 ? SPATE_CODEC_AAC
				 : par->codec_id == AV_CODEC_ID_OPUS
					 ? SPATE_CODEC_OPUS
					 : SPATE_CODEC_UNKNOWN;
		if (par->codec_id == AV_CODEC_ID_OPUS)
			tr->info.timescale = 48000;
	}
	assert_int_not_equal(tr->info.codec, SPATE_CODEC_UNKNOWN);
	assert_true(par->extradata_size > 0 &&
		    par->extradata_size <= SPATE_CODEC_CONFIG_MAX);
	if (par->codec_id == AV_CODEC_ID_OPUS) {
		opus_head_to_dops(&tr->info, par->extradata,
				  (size_t)par->extradata_size);
	} else {
		memcpy(tr->info.config, par->extradata,
		       (size_t)par->extradata_size);
		tr->info.config_len = (size_t)par->extradata_size;
	}

	dts = malloc(cap * sizeof(*dts));
	pts = malloc(cap * sizeof(*pts));
	dur = malloc(cap * sizeof(*dur));
	tr->samples = calloc(cap, sizeof(*tr->samples));
	tr->offsets = calloc(cap + 1, sizeof(*tr->offsets));
	tr->payload = malloc(payload_cap);
	assert_true(dts && pts && dur && tr->samples && tr->offsets &&
		    tr->payload);
	while (av_read_frame(fmt, pkt) >= 0) {
		if (pkt->stream_index == idx) {
			AVRational out_tb = {1, (int)tr->info.timescale};

			assert_true(tr->n < cap);
			assert_true(payload_len + (size_t)pkt->size <=
				    payload_cap);
			dts[tr->n] = av_rescale_q(pkt->dts, tb, out_tb);
			pts[tr->n] = av_rescale_q(pkt->pts, tb, out_tb);
			dur[tr->n] = av_rescale_q(pkt->duration, tb, out_tb);
			tr->samples[tr->n].size = (uint32_t)pkt->size;
			tr->samples[tr->n].flags =
				(pkt->flags & AV_PKT_FLAG_KEY)
					? SPATE_SAMPLE_SYNC
					: 0;
			tr->offsets[tr->n] = payload_len;
			memcpy(tr->payload + payload_len, pkt->data,
			       (size_t)pkt->size);
			payload_len += (size_t)pkt->size;
			tr->n++;
		}
		av_packet_unref(pkt);
	}
	tr->offsets[tr->n] = payload_len;
	assert_true(tr->n > 10);

	if (dts[0] < 0)
		shift = -dts[0];
	for (size_t i = 0; i < tr->n; i++) {
		struct spate_sample *s = &tr->samples[i];
		int64_t d = i + 1 < tr->n ? dts[i + 1] - dts[i] : dur[i];

		s->dts = dts[i] + shift;
		s->cts = (int32_t)(pts[i] - dts[i]);
		assert_true(d > 0);
		s->duration = (uint32_t)d;
		tr->any_cts |= s->cts != 0;
	}
	free(dts);
	free(pts);
	free(dur);
	av_packet_free(&pkt);
	avformat_close_input(&fmt);
}

/*
 * Packages *tr as <name>-init.mp4, <name>-seg1.m4s, <name>-seg2.m4s and the
 * concatenation <name>.mp4.  The second segment starts on the first sync
 * sample at or after the middle; each segment is split into fragments of
 * `part_len` samples, so parts mostly start mid-GOP.  Returns the index of
 * the first sample of segment 2.
 */
static size_t package(const struct src_track *tr, const char *name,
		      size_t part_len)
{
	struct spate_buf b = SPATE_BUF_INIT;
	char path[256], err[160];
	size_t cut = tr->n / 2, bounds[3];
	uint32_t seq = 1;

	while (cut < tr->n && !(tr->samples[cut].flags & SPATE_SAMPLE_SYNC))
		cut++;
	assert_true(cut < tr->n);
	bounds[0] = 0;
	bounds[1] = cut;
	bounds[2] = tr->n;

	assert_int_equal(spate_mp4_write_init(&b, &tr->info), 0);
	if (bw_check(b.data, b.len, err, sizeof(err)) < 0)
		fail_msg("init: %s", err);
	snprintf(path, sizeof(path), "%s/%s-init.mp4", tmp_dir, name);
	write_file(path, b.data, b.len, "wb");
	snprintf(path, sizeof(path), "%s/%s.mp4", tmp_dir, name);
	write_file(path, b.data, b.len, "wb");

	for (int seg = 0; seg < 2; seg++) {
		spate_buf_reset(&b);
		assert_int_equal(spate_mp4_write_styp(&b), 0);
		for (size_t p = bounds[seg]; p < bounds[seg + 1];
		     p += part_len) {
			size_t q = p + part_len < bounds[seg + 1]
					   ? p + part_len
					   : bounds[seg + 1];

			assert_int_equal(
				spate_mp4_write_fragment(
					&b, &tr->info, seq++, &tr->samples[p],
					q - p, tr->payload + tr->offsets[p],
					tr->offsets[q] - tr->offsets[p]),
				0);
		}
		if (bw_check(b.data, b.len, err, sizeof(err)) < 0)
			fail_msg("segment %d: %s", seg + 1, err);
		snprintf(path, sizeof(path), "%s/%s-seg%d.m4s", tmp_dir, name,
			 seg + 1);
		write_file(path, b.data, b.len, "wb");
		snprintf(path, sizeof(path), "%s/%s.mp4", tmp_dir, name);
		write_file(path, b.data, b.len, "ab");
	}
	spate_buf_free(&b);
	return cut;
}

/* Collects the last field (the MD5) of every framemd5 line. */
static size_t frame_hashes(const char *cmd, char (*hashes)[33], size_t max)
{
	static char out[1 << 20];
	size_t n = 0;
	char *line, *save = NULL;

	assert_int_equal(run(cmd, out, sizeof(out), 1), 0);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *h = strrchr(line, ',');

		if (line[0] == '#' || h == NULL)
			continue;
		h++;
		while (*h == ' ')
			h++;
		assert_true(n < max);
		assert_int_equal(strlen(h), 32);
		memcpy(hashes[n++], h, 33);
	}
	return n;
}

/*
 * Every check on one packaged track.  `src` is the source file and
 * `src_opts` the demuxer options that make its decode comparable with ours
 * (ours has no edit list, so all coded samples are presented).
 */
static void check_track(const struct src_track *tr, const char *name,
			const char *src, const char *src_opts, size_t cut)
{
	static char out[1 << 20];
	static char ours[4096][33], theirs[4096][33];
	char cmd[2048], file[256], probe[512];
	const char *sel = tr->info.type == SPATE_MEDIA_VIDEO ? "v:0" : "a:0";
	char *line, *save = NULL;
	size_t i = 0, n_ours, n_theirs;
	long long first_dts = 0;
	uint64_t total = 0;

	snprintf(file, sizeof(file), "%s/%s.mp4", tmp_dir, name);

	/* 1. Demux and decode everything, silently. */
	snprintf(cmd, sizeof(cmd),
		 "%s -nostdin -v error -i %s -map 0 -f null -", ffmpeg_bin,
		 file);
	assert_int_equal(run(cmd, NULL, 0, 1), 0);

	/*
	 * 2. Every packet as written: pts, dts steps, key flag, duration.
	 * ffprobe prints pts,dts,duration,flags in that order.  For
	 * fragmented files libavformat leaves some packet durations unset
	 * (N/A) and guesses the very last one, exactly as it does for its own
	 * muxer's output; those are covered by the dts steps and by the
	 * stream duration in step 3 instead.
	 */
	snprintf(cmd, sizeof(cmd),
		 "%s -v error -show_entries packet=pts,dts,duration,flags "
		 "-of csv=p=0 %s",
		 ffprobe_bin, file);
	assert_int_equal(run(cmd, out, sizeof(out), 1), 0);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		long long dts, pts;
		char dur[16] = "", flags[8] = "";
		const struct spate_sample *s;

		if (line[0] == '\0')
			continue;
		assert_int_equal(sscanf(line, "%lld,%lld,%15[^,],%7s", &pts,
					&dts, dur, flags),
				 4);
		assert_true(i < tr->n);
		s = &tr->samples[i];
		if (i == 0)
			first_dts = dts;
		assert_int_equal(pts, s->dts + s->cts);
		assert_int_equal(dts - first_dts, s->dts - tr->samples[0].dts);
		if (strcmp(dur, "N/A") != 0 && i + 1 < tr->n)
			assert_int_equal(strtoll(dur, NULL, 10), s->duration);
		assert_int_equal(flags[0] == 'K',
				 tr->info.type == SPATE_MEDIA_AUDIO ||
					 (s->flags & SPATE_SAMPLE_SYNC));
		total += s->duration;
		i++;
	}
	assert_int_equal(i, tr->n);
	assert_true(total > 0);

	/* 3. Stream parameters and a full decode count. */
	snprintf(cmd, sizeof(cmd),
		 "%s -v error -count_frames -count_packets -show_entries "
		 "stream=codec_name,nb_read_frames,nb_read_packets,width,"
		 "height,sample_rate,channels,duration_ts -of default=nw=1 %s",
		 ffprobe_bin, file);
	assert_int_equal(run(cmd, out, sizeof(out), 1), 0);
	/* dts starts at 0, so the track lasts exactly the summed durations */
	snprintf(probe, sizeof(probe), "duration_ts=%" PRIu64 "\n", total);
	assert_non_null(strstr(out, probe));
	snprintf(probe, sizeof(probe), "nb_read_frames=%zu\n", tr->n);
	assert_non_null(strstr(out, probe));
	snprintf(probe, sizeof(probe), "nb_read_packets=%zu\n", tr->n);
	assert_non_null(strstr(out, probe));
	if (tr->info.type == SPATE_MEDIA_VIDEO) {
		snprintf(probe, sizeof(probe), "width=%u\nheight=%u\n",
			 tr->info.width, tr->info.height);
	} else {
		snprintf(probe, sizeof(probe), "sample_rate=%u\nchannels=%u\n",
			 tr->info.sample_rate, tr->info.channels);
	}
	assert_non_null(strstr(out, probe));

	/* 4. Same decoded frames as the source. */
	snprintf(cmd, sizeof(cmd),
		 "%s -nostdin -v error -i %s -map 0:%s -fps_mode passthrough "
		 "-f framemd5 -",
		 ffmpeg_bin, file, sel);
	n_ours = frame_hashes(cmd, ours, 4096);
	snprintf(cmd, sizeof(cmd),
		 "%s -nostdin -v error %s -i %s -map 0:%s -fps_mode "
		 "passthrough -f framemd5 -",
		 ffmpeg_bin, src_opts, src, sel);
	n_theirs = frame_hashes(cmd, theirs, 4096);
	assert_int_equal(n_ours, tr->n);
	assert_int_equal(n_theirs, n_ours);
	for (i = 0; i < n_ours; i++)
		if (strcmp(ours[i], theirs[i]) != 0)
			fail_msg("%s frame %zu differs from the source", name,
				 i);

	/* 5. Init + segment 2 alone: fragments stand on their own. */
	snprintf(cmd, sizeof(cmd),
		 "cat %s/%s-init.mp4 %s/%s-seg2.m4s | %s -v error "
		 "-count_frames -show_entries stream=nb_read_frames "
		 "-of default=nw=1 -",
		 tmp_dir, name, tmp_dir, name, ffprobe_bin);
	assert_int_equal(run(cmd, out, sizeof(out), 1), 0);
	snprintf(probe, sizeof(probe), "nb_read_frames=%zu\n", tr->n - cut);
	assert_non_null(strstr(out, probe));
}

/*
 * ffprobe's key flags come from libavformat's parsers for H.264 and AV1,
 * which read the bitstream, so they would not notice wrong sample flags.
 * The demuxer's own index, built from tfhd/trun alone, is the container's
 * view: check its sync flags, sizes and decode times directly.
 */
static void check_index(const struct src_track *tr, const char *name)
{
	AVFormatContext *fmt = NULL;
	AVPacket *pkt = av_packet_alloc();
	const AVIndexEntry *e0;
	char file[256];
	AVStream *st;

	snprintf(file, sizeof(file), "%s/%s.mp4", tmp_dir, name);
	assert_non_null(pkt);
	assert_int_equal(avformat_open_input(&fmt, file, NULL, NULL), 0);
	assert_int_equal(fmt->nb_streams, 1);
	st = fmt->streams[0];
	/* reading every packet makes the demuxer index every fragment */
	while (av_read_frame(fmt, pkt) >= 0)
		av_packet_unref(pkt);
	assert_int_equal(avformat_index_get_entries_count(st), tr->n);
	e0 = avformat_index_get_entry(st, 0);
	assert_non_null(e0);
	for (size_t i = 0; i < tr->n; i++) {
		const AVIndexEntry *e = avformat_index_get_entry(st, (int)i);
		const struct spate_sample *s = &tr->samples[i];
		int sync = tr->info.type == SPATE_MEDIA_AUDIO ||
			   (s->flags & SPATE_SAMPLE_SYNC);

		assert_non_null(e);
		if (!!(e->flags & AVINDEX_KEYFRAME) != sync)
			fail_msg("%s sample %zu: sync %d in file, %d written",
				 name, i, !sync, sync);
		assert_int_equal(e->size, s->size);
		assert_int_equal(e->timestamp - e0->timestamp,
				 s->dts - tr->samples[0].dts);
	}
	av_packet_free(&pkt);
	avformat_close_input(&fmt);
}

static void package_and_check(const char *src_name, enum AVMediaType type,
			      const char *name, size_t part_len,
			      const char *src_opts, int want_cts)
{
	struct src_track tr;
	char src[256];
	size_t cut;

	snprintf(src, sizeof(src), "%s/%s", tmp_dir, src_name);
	load_track(src, type, &tr);
	/* The B-frame clips must exercise composition offsets. */
	assert_int_equal(tr.any_cts, want_cts);
	cut = package(&tr, name, part_len);
	check_track(&tr, name, src, src_opts, cut);
	check_index(&tr, name);
	src_track_free(&tr);
}

static void test_h264(void **state)
{
	(void)state;
	package_and_check("h264_aac.mp4", AVMEDIA_TYPE_VIDEO, "h264", 8, "", 1);
}

static void test_aac(void **state)
{
	(void)state;
	/* the source's edit list trims AAC priming; ours presents it all */
	package_and_check("h264_aac.mp4", AVMEDIA_TYPE_AUDIO, "aac", 10,
			  "-ignore_editlist 1", 0);
}

static void test_hevc(void **state)
{
	(void)state;
	package_and_check("hevc_opus.mp4", AVMEDIA_TYPE_VIDEO, "hevc", 7, "",
			  1);
}

static void test_opus(void **state)
{
	(void)state;
	package_and_check("hevc_opus.mp4", AVMEDIA_TYPE_AUDIO, "opus", 12,
			  "-ignore_editlist 1", 0);
}

static void test_av1(void **state)
{
	(void)state;
	package_and_check("av1.mp4", AVMEDIA_TYPE_VIDEO, "av1", 9, "", 0);
}

/*
 * Sources: 4 s, one key frame a second, B-frames where the codec has them,
 * so the 2-segment split and mid-GOP parts are exercised.  x265 runs with
 * info=0: by default it puts a ~2.3 KB settings SEI into hvcC, more than
 * SPATE_CODEC_CONFIG_MAX holds.
 */
static int make_sources(void **state)
{
	static const char *const recipes[] = {
		("-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i "
		 "sine=frequency=440:sample_rate=48000 -t 4 -map 0:v -map 1:a "
		 "-c:v libx264 -preset veryfast -bf 2 -g 30 -keyint_min 30 "
		 "-sc_threshold 0 -pix_fmt yuv420p -vf setsar=4/3 "
		 "-c:a aac -b:a 128k -ac 2 h264_aac.mp4"),
		("-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i "
		 "sine=frequency=440:sample_rate=48000 -t 4 -map 0:v -map 1:a "
		 "-c:v libx265 -preset ultrafast -x265-params "
		 "keyint=30:min-keyint=30:scenecut=0:bframes=2:open-gop=0:"
		 "info=0:log-level=error -tag:v hvc1 -pix_fmt yuv420p "
		 "-c:a libopus -b:a 96k -ac 2 hevc_opus.mp4"),
		("-f lavfi -i testsrc2=size=320x240:rate=30 -t 4 -c:v libsvtav1 "
		 "-preset 12 -g 30 -pix_fmt yuv420p av1.mp4"),
	};
	const char *env;
	char cmd[1024];

	(void)state;
	if ((env = getenv("FFMPEG")) != NULL)
		ffmpeg_bin = env;
	if ((env = getenv("FFPROBE")) != NULL)
		ffprobe_bin = env;
	if (mkdtemp(tmp_dir) == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(recipes) / sizeof(recipes[0]); i++) {
		/* encoders may chat on stderr (SVT does); only rc counts */
		snprintf(cmd, sizeof(cmd),
			 "cd %s && %s -nostdin -v error -y %s", tmp_dir,
			 ffmpeg_bin, recipes[i]);
		if (run(cmd, NULL, 0, 0) != 0) {
			fprintf(stderr, "source generation failed: %s\n", cmd);
			return -1;
		}
	}
	return 0;
}

static int remove_sources(void **state)
{
	char cmd[256];
	const char *keep = getenv("SPATE_MP4_KEEP");

	(void)state;
	if (keep != NULL && keep[0] == '1') {
		fprintf(stderr, "kept %s\n", tmp_dir);
		return 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_h264), cmocka_unit_test(test_aac),
		cmocka_unit_test(test_hevc), cmocka_unit_test(test_opus),
		cmocka_unit_test(test_av1),
	};

	return cmocka_run_group_tests(tests, make_sources, remove_sources);
}
