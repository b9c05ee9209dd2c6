/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * spate_ts_demux: spate's own MPEG-TS demuxer (ISO/IEC 13818-1), pure C
 * over bytes, feeding the packager directly.
 *
 * Live TS ingest (TS over UDP, HTTP PUT) is parsed here rather than by
 * libavformat: this code is fuzzed, keeps continuity-counter accounting per
 * PID, and does not decode frames to probe (libavformat's probe costs 5-6 MB
 * per video stream and a redundant H.264 parser pass).
 *
 * Model: bytes in (any chunking: 7x188 UDP datagrams, pipe reads of any
 * size), callbacks out.
 *   - on_stream: once per elementary stream, before its first packet, with
 *     a ready-made struct spate_pkg_stream (time base 1/90000, 33-bit
 *     wrap).  Streams spate cannot package are announced too, with
 *     `unsupported` saying why, and are not reassembled.
 *   - on_packet: one access unit.  Video: one per PES (what ffmpeg, OBS and
 *     hardware encoders write), including unbounded (PES_packet_length 0)
 *     PES ended by the next payload_unit_start.  AAC (ADTS): one per ADTS
 *     frame, pts + i x frame duration.  Opus: one per Opus packet, split on
 *     the TS control headers ("Encapsulation of Opus in MPEG-2
 *     Transport Stream", opus-codec.org).
 *   - on_stream_end: a stream left its PMT (version change) or its program
 *     left the PAT.
 *
 * Start-up probe: the packager wants every stream declared before the
 * first packet, and an AAC stream's sample rate is only in its ADTS
 * headers.  So the demuxer first buffers the input (at most
 * probe_max_bytes) until the PAT, every selected PMT and the first AAC
 * frame of every AAC stream have been seen, announces all streams, then
 * replays the buffered bytes.  Nothing is lost and nothing is decoded.
 * Streams appearing later (new PMT version) are announced when seen.
 *
 * Errors never stop the demuxer: sync losses, continuity-counter gaps,
 * TEI packets, bad PES headers, PSI CRC errors are counted (struct
 * spate_ts_stats) and the damaged PES is dropped whole, never passed on
 * half.  PCR is not needed for packaging (timestamps come from PTS/DTS);
 * the last PCR of each program is recorded for monitoring only.
 *
 * Memory: one reassembly buffer per PID, grown on demand and reused; no
 * allocation per TS packet or per access unit in the steady state.
 */
#ifndef SPATE_PKG_TS_DEMUX_H
#define SPATE_PKG_TS_DEMUX_H

#include <stddef.h>
#include <stdint.h>

#include "../packager/packager.h"

#define SPATE_TS_PACKET_SIZE 188
#define SPATE_TS_SYNC_BYTE   0x47

/* Fixed limits: tables are arrays sized by these. */
#define SPATE_TS_MAX_PROGRAMS 32
#define SPATE_TS_MAX_STREAMS  64 /* elementary streams, all programs */

/* Defaults of struct spate_ts_config. */
#define SPATE_TS_DEFAULT_MAX_PES_BYTES	   (16u << 20)
#define SPATE_TS_DEFAULT_PROBE_MAX_BYTES   (4u << 20)
#define SPATE_TS_DEFAULT_SYNC_LOCK_PACKETS 4

/* An elementary stream as its PMT describes it. */
struct spate_ts_stream {
	uint16_t pid;
	uint16_t program_number;
	uint8_t stream_type;
	/* NULL when packageable, else why not ("AAC LATM", "MPEG audio"). */
	const char *unsupported;
	/*
	 * What the packager needs.  extradata: 7-byte ADTS header (AAC),
	 * OpusHead built from the Opus audio descriptor (Opus), NULL for
	 * video (parameter sets arrive in band).  Pointers stay valid until
	 * on_stream_end or spate_ts_demux_destroy.
	 */
	struct spate_pkg_stream desc;
};

struct spate_ts_config {
	/* 0: every program of the PAT (an ABR ladder may be one TS with
	 * several programs); else only this program_number. */
	uint32_t program_number;
	/* Take only the first program listed in the PAT. */
	int first_program_only;
	/* A PES larger than this is dropped and counted. */
	size_t max_pes_bytes;
	/* Start-up probe budget; 0 disables the probe (streams are then
	 * announced as soon as described, AAC at its first frame). */
	size_t probe_max_bytes;
	/* Consecutive sync bytes 188 apart needed to (re)gain lock. */
	unsigned sync_lock_packets;

	void *ctx;
	/*
	 * A stream was found.  Return an index >= 0 (it becomes
	 * pkt->stream of this stream's packets, e.g. the result of
	 * spate_packager_add_stream), or a negative value to ignore the
	 * stream: its PID is then not reassembled.  Unsupported streams
	 * are announced too; their return value is ignored.
	 */
	int (*on_stream)(void *ctx, const struct spate_ts_stream *s);
	/*
	 * An access unit.  pkt->data is valid during the call only.
	 * Returning a negative errno aborts spate_ts_demux_input(), which
	 * returns it (use it for fatal errors such as -ENOMEM).
	 */
	int (*on_packet)(void *ctx, uint16_t pid,
			 const struct spate_pkg_packet *pkt);
	/* Optional: a stream announced earlier is gone. */
	void (*on_stream_end)(void *ctx, uint16_t pid, int index);
};

/* Sets the defaults documented above (no callbacks). */
void spate_ts_config_defaults(struct spate_ts_config *cfg);

struct spate_ts_program_stats {
	uint16_t program_number;
	uint16_t pmt_pid;
	uint16_t pcr_pid;
	int64_t last_pcr; /* 27 MHz units, -1 until seen */
};

struct spate_ts_stats {
	uint64_t bytes_in;
	uint64_t packets;	      /* 188-byte packets parsed */
	uint64_t bytes_skipped;	      /* dropped while hunting for sync */
	uint64_t sync_losses;	      /* lock lost (a packet without 0x47) */
	uint64_t tei_packets;	      /* transport_error_indicator set */
	uint64_t bad_packets;	      /* adaptation field overruns packet */
	uint64_t cc_errors;	      /* continuity gaps, all PIDs */
	uint64_t cc_duplicates;	      /* repeated packets, discarded */
	uint64_t null_packets;	      /* PID 0x1fff */
	uint64_t unknown_pid_packets; /* PIDs no table refers to */
	uint64_t psi_crc_errors;      /* PAT/PMT sections failing CRC32 */
	uint64_t psi_errors;	      /* malformed PAT/PMT sections */
	uint64_t pes_header_errors;   /* bad start code, flags or lengths */
	uint64_t pes_dropped;	      /* PES lost to CC gaps, truncation */
	uint64_t pes_kept_at_cc_gap;  /* unbounded PES ended by a CC gap */
	uint64_t pes_oversize;	      /* PES over max_pes_bytes */
	uint64_t es_errors;	      /* ADTS/Opus framing errors */
	uint64_t au_out;	      /* access units emitted */
	uint64_t streams_ignored;     /* on_stream said no, or unsupported */
	uint64_t streams_late;	      /* announced after the probe */
	unsigned n_programs;
	struct spate_ts_program_stats programs[SPATE_TS_MAX_PROGRAMS];
};

struct spate_ts_pid_stats {
	uint64_t packets;
	uint64_t cc_errors;
	uint64_t pes_dropped;
	uint64_t au_out;
};

struct spate_ts_demux;

/* 0 or -ENOMEM / -EINVAL (no on_packet callback). */
int spate_ts_demux_create(struct spate_ts_demux **out,
			  const struct spate_ts_config *cfg);

/*
 * Feeds `len` bytes of transport stream, any chunking.  Returns 0, or the
 * negative errno a callback returned (the rest of this chunk is dropped,
 * the demuxer stays usable), or -ENOMEM.  Malformed input is counted,
 * never an error.  The last whole packet of a chunk is parsed when the
 * next chunk shows the following sync byte (or at finish): a lookahead of
 * one packet that keeps garbage starting with 0x47 from costing a packet.
 */
int spate_ts_demux_input(struct spate_ts_demux *d, const uint8_t *data,
			 size_t len);

/* The input ended: ends the probe, flushes every PES in progress. */
int spate_ts_demux_finish(struct spate_ts_demux *d);

void spate_ts_demux_stats(const struct spate_ts_demux *d,
			  struct spate_ts_stats *out);

/* Counters of one PID; -ENOENT when the PID is not tracked. */
int spate_ts_demux_pid_stats(const struct spate_ts_demux *d, uint16_t pid,
			     struct spate_ts_pid_stats *out);

void spate_ts_demux_destroy(struct spate_ts_demux *d);

/*
 * Input sniffing: 1 when `buf` looks like a 188-byte transport stream
 * (0x47 at the same phase every 188 bytes, at least 3 times, within the
 * first 188 bytes of offset), else 0.  Give it >= 564 bytes.
 */
int spate_ts_sniff(const uint8_t *buf, size_t len);

#endif /* SPATE_PKG_TS_DEMUX_H */
