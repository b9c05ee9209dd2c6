#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Reference stand-in for spate-pkg: same command line, output made by
# ffmpeg's own DASH muxer with HLS playlists (CMAF segments shared by both).
#
# Used with E2E_PACKAGER=ref to check the harness itself: when a test passes
# here and fails with spate-pkg, the packager is the suspect.  The layout
# differs from spate-pkg's (media_N.m3u8, init-N.mp4, seg-N-M.m4s in OUTDIR
# itself), which the tests do not depend on: they follow the playlists.
# Options without an ffmpeg equivalent (--part-ms, --dvr-s, --epoch-ms) are
# accepted and ignored.
set -euo pipefail

segment_ms=2000 window_s='' fmt=() input='' outdir=''
while (($#)); do
    case $1 in
    --segment-ms) segment_ms=$2; shift 2 ;;
    --part-ms|--dvr-s|--epoch-ms) shift 2 ;;
    --window-s) window_s=$2; shift 2 ;;
    --hls|--dash) shift ;;
    --format) fmt=(-f "$2"); shift 2 ;;
    -) if [[ -z $input ]]; then input=pipe:0; else outdir=-; fi; shift ;;
    -*) echo "ref_pkg: unknown option $1" >&2; exit 2 ;;
    *) if [[ -z $input ]]; then input=$1; else outdir=$1; fi; shift ;;
    esac
done
[[ -n $input && -n $outdir ]] || { echo "usage: ref_pkg.sh [options] INPUT OUTDIR" >&2; exit 2; }
mkdir -p "$outdir"

# The mp4 muxer under dashenc rejects the TS/FLV codec tags that stream copy
# carries over, so name the right ones.  A pipe cannot be probed twice: H.264.
vtag=avc1
if [[ -f $input ]]; then
    vcodec=$(ffprobe -v error "${fmt[@]}" -select_streams v:0 -show_entries stream=codec_name \
        -of default=nw=1:nk=1 "$input" 2>/dev/null | head -n 1 || true)
    [[ $vcodec == hevc ]] && vtag=hvc1
fi

window=()
if [[ -n $window_s ]]; then
    window=(-window_size $((window_s * 1000 / segment_ms)) -extra_window_size 5)
fi

exec ffmpeg -nostdin -hide_banner -loglevel error -y "${fmt[@]}" -i "$input" \
    -map 0:v? -map 0:a? -c copy -tag:v "$vtag" -tag:a mp4a \
    -f dash -seg_duration "$(awk -v m="$segment_ms" 'BEGIN { print m / 1000 }')" \
    -use_template 1 -use_timeline 1 "${window[@]}" \
    -hls_playlist 1 -hls_master_name index.m3u8 \
    -init_seg_name 'init-$RepresentationID$.mp4' \
    -media_seg_name 'seg-$RepresentationID$-$Number$.m4s' \
    "$outdir/manifest.mpd"
