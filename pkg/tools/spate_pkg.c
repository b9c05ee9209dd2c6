/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate-pkg: packages a live (or recorded) input into CMAF HLS, LL-HLS and
 * DASH in a directory.  The same pkg/ library runs inside the dataplane; this
 * tool is its command-line front end and the packager's test driver.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "packager/input.h"
#include "packager/output_dir.h"
#include "packager/packager.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spate-pkg [options] INPUT OUTDIR\n"
		"Packages INPUT (file, pipe, URL, or - for stdin; anything "
		"libavformat reads)\n"
		"into CMAF HLS/LL-HLS and DASH under OUTDIR, live: objects "
		"appear as they are made.\n"
		"\n"
		"  --segment-ms N   target segment duration (default 2000)\n"
		"  --part-ms N      LL-HLS/LL-DASH part duration, 0 = off "
		"(default 0)\n"
		"  --window-s N     live playlist window (default 30)\n"
		"  --dvr-s N        DVR window: dvr.m3u8 and DASH time-shift "
		"(default 0 = none)\n"
		"  --hls            write HLS (default: HLS and DASH)\n"
		"  --dash           write DASH (default: HLS and DASH)\n"
		"  --epoch-ms MS    Unix time in ms of media time 0; give the "
		"same value to\n"
		"                   redundant origins for byte-identical "
		"manifests.  Default:\n"
		"                   the wall clock at the first packet.\n"
		"  --format NAME    force the input container (mpegts, flv, "
		"mp4, ...)\n"
		"  --demux WHICH    auto (default: MPEG-TS through spate's own "
		"demuxer,\n"
		"                   the rest through libavformat), ts, or lavf\n"
		"  --utc-timing SCHEME=VALUE   DASH UTCTiming element\n"
		"  --quiet          only errors\n"
		"  --stats          print a machine-readable summary line on "
		"stdout at the end\n"
		"  -h, --help       this text\n");
}

struct cli {
	struct spate_pkg_config cfg;
	struct spate_demux_options demux;
	enum spate_input_demux demux_choice;
	const char *input;
	const char *outdir;
	int quiet;
	int stats_fd_line; /* --stats: one machine-readable line on stdout */
	char utc_scheme[256];
};

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct cli *c)
{
	enum { O_SEG = 256, O_PART, O_WIN, O_DVR, O_HLS, O_DASH, O_EPOCH,
	       O_FMT, O_UTC, O_QUIET, O_STATS, O_DEMUX };
	static const struct option opts[] = {
		{"segment-ms", required_argument, NULL, O_SEG},
		{"part-ms", required_argument, NULL, O_PART},
		{"window-s", required_argument, NULL, O_WIN},
		{"dvr-s", required_argument, NULL, O_DVR},
		{"hls", no_argument, NULL, O_HLS},
		{"dash", no_argument, NULL, O_DASH},
		{"epoch-ms", required_argument, NULL, O_EPOCH},
		{"format", required_argument, NULL, O_FMT},
		{"demux", required_argument, NULL, O_DEMUX},
		{"utc-timing", required_argument, NULL, O_UTC},
		{"quiet", no_argument, NULL, O_QUIET},
		{"stats", no_argument, NULL, O_STATS},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int hls = 0, dash = 0, o;
	uint32_t v;
	char *end, *eq;

	spate_pkg_config_defaults(&c->cfg);
	c->cfg.epoch_auto = 1;
	c->cfg.clock_ms = spate_pkg_realtime_ms;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case O_SEG:
			if (parse_u32(optarg, 60000, &c->cfg.segment_ms) < 0)
				return -EINVAL;
			break;
		case O_PART:
			if (parse_u32(optarg, 60000, &c->cfg.part_ms) < 0)
				return -EINVAL;
			break;
		case O_WIN:
			if (parse_u32(optarg, 86400, &v) < 0)
				return -EINVAL;
			c->cfg.window_ms = v * 1000;
			break;
		case O_DVR:
			if (parse_u32(optarg, 7 * 86400, &v) < 0)
				return -EINVAL;
			c->cfg.dvr_ms = v * 1000;
			break;
		case O_HLS:
			hls = 1;
			break;
		case O_DASH:
			dash = 1;
			break;
		case O_EPOCH:
			errno = 0;
			c->cfg.epoch_ms = strtoll(optarg, &end, 10);
			if (errno || *optarg == '\0' || *end != '\0')
				return -EINVAL;
			c->cfg.epoch_auto = 0;
			break;
		case O_FMT:
			c->demux.format = optarg;
			break;
		case O_DEMUX:
			if (strcmp(optarg, "auto") == 0)
				c->demux_choice = SPATE_INPUT_AUTO;
			else if (strcmp(optarg, "ts") == 0)
				c->demux_choice = SPATE_INPUT_TS;
			else if (strcmp(optarg, "lavf") == 0)
				c->demux_choice = SPATE_INPUT_LAVF;
			else
				return -EINVAL;
			break;
		case O_UTC:
			eq = strchr(optarg, '=');
			if (eq == NULL || (size_t)(eq - optarg) >=
						  sizeof(c->utc_scheme))
				return -EINVAL;
			memcpy(c->utc_scheme, optarg, (size_t)(eq - optarg));
			c->utc_scheme[eq - optarg] = '\0';
			c->cfg.utc_timing_scheme = c->utc_scheme;
			c->cfg.utc_timing_value = eq + 1;
			break;
		case O_QUIET:
			c->quiet = 1;
			break;
		case O_STATS:
			c->stats_fd_line = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (hls || dash) {
		c->cfg.hls = hls;
		c->cfg.dash = dash;
	}
	if (argc - optind != 2)
		return -EINVAL;
	c->input = argv[optind];
	c->outdir = argv[optind + 1];
	return 0;
}

static void log_stderr(void *ctx, int level, const char *msg)
{
	const struct cli *c = ctx;
	static const char *const names[] = {"error", "warning", "info"};

	if (c->quiet && level > 0)
		return;
	fprintf(stderr, "spate-pkg: %s: %s\n", names[level], msg);
}

/* Resident memory now, in KB (steady state, unlike the peak). */
static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void print_summary(const struct cli *c, const struct spate_packager *p)
{
	struct spate_pkg_stats st;

	if (c->stats_fd_line)
		printf("spate-pkg-stats rss_kb=%ld renditions=%u\n", rss_kb(),
		       spate_packager_rendition_count(p));
	if (c->quiet)
		return;
	spate_packager_stats(p, &st);
	fprintf(stderr,
		"spate-pkg: %" PRIu64 " packets in (%" PRIu64 " bytes), %" PRIu64
		" samples, %" PRIu64 " segments, %" PRIu64 " parts, %" PRIu64
		" manifests out; %" PRIu64 " discontinuities, %" PRIu64
		" codec changes\n",
		st.packets_in, st.bytes_in, st.samples_out, st.segments_out,
		st.parts_out, st.manifests_out, st.discontinuities,
		st.codec_changes);
	if (st.dropped_before_key + st.dropped_empty + st.dropped_no_ts +
		    st.dropped_oversize + st.dropped_bad_au + st.dropped_bad_ts +
		    st.dropped_config_change + st.publish_errors >
	    0)
		fprintf(stderr,
			"spate-pkg: dropped: %" PRIu64 " before key frame, %" PRIu64
			" empty, %" PRIu64 " without timestamp, %" PRIu64
			" oversize, %" PRIu64 " malformed, %" PRIu64
			" non-monotonic, %" PRIu64
			" awaiting codec change; %" PRIu64 " publish errors\n",
			st.dropped_before_key, st.dropped_empty,
			st.dropped_no_ts, st.dropped_oversize, st.dropped_bad_au,
			st.dropped_bad_ts, st.dropped_config_change,
			st.publish_errors);
}

int main(int argc, char **argv)
{
	struct cli c = {0};
	struct spate_output_dir *out = NULL;
	struct spate_packager *p = NULL;
	const char *used;
	struct sigaction sa = {0};
	int rc;

	if (parse_args(argc, argv, &c) < 0) {
		usage(stderr);
		return 2;
	}
	c.cfg.log = log_stderr;
	c.cfg.log_ctx = &c;
	av_log_set_level(c.quiet ? AV_LOG_QUIET : AV_LOG_ERROR);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = spate_output_dir_open(&out, c.outdir);
	if (rc < 0) {
		fprintf(stderr, "spate-pkg: %s: %s\n", c.outdir, strerror(-rc));
		return 1;
	}
	rc = spate_packager_create(&p, &c.cfg, &spate_output_dir_ops, out);
	if (rc < 0) {
		fprintf(stderr, "spate-pkg: invalid settings: %s\n",
			strerror(-rc));
		spate_output_dir_close(out);
		return 2;
	}
	if (!c.quiet)
		fprintf(stderr, "spate-pkg: %s -> %s\n", c.input, c.outdir);
	rc = spate_pkg_run_input(c.input, c.demux_choice, &c.demux, p,
				 &stop_requested, &used);
	if (rc < 0)
		fprintf(stderr, "spate-pkg: %s (%s): %s\n", c.input, used,
			strerror(-rc));
	else if (!c.quiet)
		fprintf(stderr, "spate-pkg: demuxer: %s\n", used);
	print_summary(&c, p);
	spate_packager_destroy(p);
	spate_output_dir_close(out);
	return rc < 0 ? 1 : 0;
}
