/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the pkg/ts files: the demuxer context, its PID,
 * program and stream tables, and the entry points each file offers the
 * others.  Not installed, not for callers outside pkg/ts.
 *
 *   ts_demux.c  bytes → 188-byte packets: sync lock, packet header, CC,
 *               adaptation field (PCR, RAI), probe and replay
 *   ts_psi.c    PSI sections: CRC32, PAT, PMT, descriptors, stream tables
 *   ts_pes.c    PES reassembly per PID and PES header parsing
 *   ts_es.c     PES payload → access units (video, ADTS, Opus framing)
 */
#ifndef SPATE_PKG_TS_INTERNAL_H
#define SPATE_PKG_TS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "../buf.h"
#include "ts_demux.h"

#define TS_PID_COUNT 8192
#define TS_PID_NULL  0x1fff
/* PAT + one PMT and one PCR PID per program + the streams. */
#define TS_MAX_PIDS (1 + 2 * SPATE_TS_MAX_PROGRAMS + SPATE_TS_MAX_STREAMS)
/* A PSI section is at most 1024 bytes for PAT and PMT (13818-1 2.4.4). */
#define TS_SECTION_MAX 1024

/* What a tracked PID carries; a PCR can share any ES PID. */
enum ts_pid_role {
	TS_ROLE_PSI = 1u << 0, /* PAT or PMT sections */
	TS_ROLE_ES = 1u << 1,  /* PES of an elementary stream */
	TS_ROLE_PCR = 1u << 2, /* PCR of some program */
};

/* How a stream's PES payload becomes access units. */
enum ts_framing {
	TS_FRAMING_NONE = 0, /* unsupported: not reassembled */
	TS_FRAMING_VIDEO,    /* one AU per PES */
	TS_FRAMING_ADTS,     /* ADTS frames */
	TS_FRAMING_OPUS,     /* Opus control headers */
};

struct ts_pid {
	uint16_t pid;
	uint8_t roles;
	uint8_t cc; /* last continuity_counter with payload */
	bool cc_valid;
	bool pes_active;       /* collecting a PES (skip until PUSI if not) */
	bool pes_rai;	       /* random_access_indicator on its first packet */
	int es;		       /* index in d->es, -1 */
	struct spate_buf data; /* PSI section or PES being reassembled */
	struct spate_ts_pid_stats st;
};

struct ts_program {
	uint16_t number;
	uint16_t pmt_pid;
	uint16_t pcr_pid; /* 0x1fff: none */
	bool selected;
	bool have_pmt;
	uint8_t pmt_version;
	int64_t last_pcr;
	/* program_info registration descriptor, a fallback for streams */
	uint32_t registration;
};

struct ts_es {
	bool in_use;
	bool described; /* desc complete (AAC: after its first ADTS header) */
	bool announced; /* on_stream called */
	int index;	/* what on_stream returned; < 0: ignored */
	uint16_t program_number;
	unsigned pmt_pos; /* order in its PMT, for announcing in order */
	enum ts_framing framing;
	struct spate_ts_stream info;
	char language[4];
	uint8_t config[32]; /* ADTS header or OpusHead */
	/* ADTS frame split across two PES, and the audio clock. */
	struct spate_buf carry;
	size_t carry_need; /* full frame length of the carried frame */
	int64_t carry_pts;
	int64_t next_pts; /* after the last frame emitted, or NOPTS */
};

struct spate_ts_demux {
	struct spate_ts_config cfg;
	struct spate_ts_stats st;
	int error; /* callback error aborting the current input call */

	/* Sync: lock, a partial packet across chunks, the hunt window. */
	bool locked;
	uint8_t carry[SPATE_TS_PACKET_SIZE];
	size_t carry_len;
	uint8_t *hunt;
	size_t hunt_len;
	size_t hunt_cap;

	/* Probe: raw bytes kept until every stream is described. */
	bool probing;
	bool probe_done;  /* streams announced after this are late */
	bool probe_check; /* tables changed: is the probe complete? */
	bool probe_ready; /* it is: parsing pauses for the replay */
	struct spate_buf probe;

	/* Tables. */
	uint8_t pid_slot[TS_PID_COUNT]; /* 0 untracked, else slot + 1 */
	struct ts_pid pids[TS_MAX_PIDS];
	bool have_pat;
	uint8_t pat_version;
	unsigned n_programs;
	struct ts_program programs[SPATE_TS_MAX_PROGRAMS];
	struct ts_es es[SPATE_TS_MAX_STREAMS];
};

static inline struct ts_pid *ts_pid_get(struct spate_ts_demux *d, uint16_t pid)
{
	uint8_t s = d->pid_slot[pid & 0x1fff];

	return s != 0 ? &d->pids[s - 1] : NULL;
}

/* ts_demux.c */
struct ts_pid *ts_pid_track(struct spate_ts_demux *d, uint16_t pid,
			    unsigned role);
void ts_pid_untrack(struct spate_ts_demux *d, uint16_t pid, unsigned role);

/* ts_psi.c */
uint32_t ts_crc32(const uint8_t *p, size_t n);
void ts_psi_payload(struct spate_ts_demux *d, struct ts_pid *tp,
		    const uint8_t *p, size_t n, bool pusi);
/* Announces a described, unannounced stream (callback, counters). */
void ts_es_announce(struct spate_ts_demux *d, struct ts_es *es);
/* At the end of the probe: announces every described stream, in order. */
void ts_announce_all(struct spate_ts_demux *d);
/* True when the PAT, each selected PMT and every stream are described. */
bool ts_probe_complete(const struct spate_ts_demux *d);

/* ts_pes.c */
void ts_pes_payload(struct spate_ts_demux *d, struct ts_pid *tp,
		    const uint8_t *p, size_t n, bool pusi, bool rai);
/* Ends the PES in progress: emitted when complete, else dropped. */
void ts_pes_flush(struct spate_ts_demux *d, struct ts_pid *tp);
/* Forgets the PES in progress (counted as dropped when one was). */
void ts_pes_drop(struct spate_ts_demux *d, struct ts_pid *tp);
/* The PES in progress declared no length (video: ends at the next PUSI). */
bool ts_pes_unbounded(const struct ts_pid *tp);

/* ts_es.c */
void ts_es_payload(struct spate_ts_demux *d, struct ts_pid *tp,
		   struct ts_es *es, const uint8_t *p, size_t n, int64_t pts,
		   int64_t dts, bool rai);
/* Fills es->info.desc from its ADTS header; 0 or -EINVAL. */
int ts_es_describe_adts(struct ts_es *es, const uint8_t *p, size_t n);
/* Builds the OpusHead for `channel_config` (Opus audio descriptor). */
void ts_es_describe_opus(struct ts_es *es, int channel_config);
/* Emits one AU through on_packet (unless probing). */
void ts_emit(struct spate_ts_demux *d, struct ts_pid *tp, struct ts_es *es,
	     const uint8_t *p, size_t n, int64_t pts, int64_t dts,
	     int64_t duration, bool key);

#endif /* SPATE_PKG_TS_INTERNAL_H */
