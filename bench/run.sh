#!/usr/bin/env bash
# Benchmarks Elygate's /v1/chat/completions relay against a bare Bun pass-through proxy, both
# in front of the same mock upstream, in one run, and prints a Markdown table with the budget
# verdicts. With SCENARIO=failover it measures Elygate alone over two channels, healthy and then
# with one channel failing FAIL_PERCENT of its calls. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
FIRST_WARMUP=${FIRST_WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-50 256}
LATENCY_MS=${LATENCY_MS:-50}
LATENCY_CONNECTIONS=${LATENCY_CONNECTIONS:-50}
MOCK_CHUNKS=${MOCK_CHUNKS:-20}
MOCK_PORT=${MOCK_PORT:-19080}
BARE_PORT=${BARE_PORT:-19081}
ELYGATE_PORT=${ELYGATE_PORT:-19090}
LOAD_CPU=${LOAD_CPU:-0}
TARGET_CPU=${TARGET_CPU:-1}
BENCH_DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
SCENARIO=${SCENARIO:-relay}
FAIL_PERCENT=${FAIL_PERCENT:-10}
FAILOVER_CONNECTIONS=${FAILOVER_CONNECTIONS:-50}
FAILOVER_ROUNDS=${FAILOVER_ROUNDS:-3}
MOCK_FLAKY_PORT=${MOCK_FLAKY_PORT:-19082}

# The budgets the table is judged against.
MIN_RPS_RATIO=0.7
MAX_ADDED_P50_MS=1

TARGETS=(bare elygate)
MODES=(nonstream stream)

declare -A PIDS=()
DB_URL=''
TMP=''

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

cleanup() {
	local rc=$?
	set +e
	local name
	for name in "${!PIDS[@]}"; do stop_proc "$name"; done
	if [[ -n $DB_URL ]]; then
		DATABASE_URL=$BENCH_DATABASE_URL bun --no-env-file bench/setup-elygate.ts drop "$DB_URL" || log "warning: could not drop $DB_URL"
	fi
	[[ -n $TMP ]] && rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- processes

# start_proc NAME CPU LOGFILE COMMAND... — taskset execs the command, so $! is its own pid,
# which is what /proc is read for.
start_proc() {
	local name=$1 cpu=$2 logfile=$3
	shift 3
	taskset -c "$cpu" "$@" >>"$logfile" 2>&1 &
	PIDS[$name]=$!
}

# Asks politely first (Elygate drains in-flight requests), then insists.
stop_proc() {
	local name=$1 pid=${PIDS[$1]:-} i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "PIDS[$name]"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_http NAME URL — until URL answers 2xx, failing early if the process died.
wait_http() {
	local name=$1 url=$2 i
	for ((i = 0; i < 600; i++)); do
		curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null && return 0
		kill -0 "${PIDS[$name]}" 2>/dev/null || die "$name exited during start; see $RUN_DIR/$name.log"
		sleep 0.1
	done
	die "$name did not answer $url within 60 s; see $RUN_DIR/$name.log"
}

# start_mock LATENCY_MS [FAIL_PERCENT] — the failover scenario adds the flaky listener.
start_mock() {
	local latency=$1 fail=${2:-0} flaky=''
	[[ $SCENARIO == failover ]] && flaky=$MOCK_FLAKY_PORT
	start_proc mock "$LOAD_CPU" "$RUN_DIR/mock.log" \
		env MOCK_PORT="$MOCK_PORT" MOCK_CHUNKS="$MOCK_CHUNKS" MOCK_LATENCY_MS="$latency" \
		MOCK_FLAKY_PORT="$flaky" MOCK_FAIL_PERCENT="$fail" bun --no-env-file bench/mock-upstream.ts
	wait_http mock "http://127.0.0.1:$MOCK_PORT/health"
}

start_target() {
	case $1 in
	bare)
		start_proc bare "$TARGET_CPU" "$RUN_DIR/bare.log" \
			env BARE_PORT="$BARE_PORT" UPSTREAM_URL="http://127.0.0.1:$MOCK_PORT" bun --no-env-file bench/bare-proxy.ts
		# The proxy forwards everything, so the mock's health check doubles as its own.
		wait_http bare "http://127.0.0.1:$BARE_PORT/health"
		;;
	elygate)
		# A clean environment: nothing from the caller's shell or a local .env may change
		# what is being measured. A throwaway root password keeps the "open the setup URL"
		# warning (and its one-time token) out of the log kept with the results.
		start_proc elygate "$TARGET_CPU" "$RUN_DIR/elygate.log" \
			env -i PATH="$PATH" HOME="$HOME" DATABASE_URL="$DB_URL" ELYGATE_SECRET_KEY="$SECRET_KEY" \
			ELYGATE_ROOT_PASSWORD="bench-$RANDOM$RANDOM$RANDOM" \
			HOST=127.0.0.1 PORT="$ELYGATE_PORT" LOG_LEVEL=warn ELYGATE_DATA_DIR="$TMP/elygate-data" SHUTDOWN_DRAIN_SECONDS=2 \
			METRICS_TOKEN="$METRICS_TOKEN" \
			bun --no-env-file build/elygate.js
		wait_http elygate "http://127.0.0.1:$ELYGATE_PORT/api/ready"
		;;
	esac
}

port_of() {
	case $1 in
	bare) echo "$BARE_PORT" ;;
	elygate) echo "$ELYGATE_PORT" ;;
	esac
}

# utime + stime of the whole process (all threads), in clock ticks. The command name in
# field 2 may hold spaces, so fields are counted after its closing parenthesis.
cpu_ticks() {
	local stat fields
	stat=$(<"/proc/$1/stat")
	read -r -a fields <<<"${stat##*) }"
	echo $((fields[11] + fields[12]))
}

peak_rss_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# "flushes rows" committed so far by Elygate's ledger, from its /metrics.
ledger_counts() {
	curl -fsS --max-time 5 -H "authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$ELYGATE_PORT/metrics" |
		awk '/^elygate_ledger_flushes_total\{result="ok"\}/ { f = $2 } /^elygate_ledger_rows_total / { r = $2 } END { printf "%d %d\n", f, r }'
}

# ---------------------------------------------------------------- load

body_file() { echo "$RUN_DIR/body-$1.json"; }

write_bodies() {
	printf '%s' '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello to the benchmark."}],"max_tokens":64}' \
		>"$(body_file nonstream)"
	# No include_usage: the gateway asks the upstream for usage itself, which is part of its cost.
	printf '%s' '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello to the benchmark."}],"max_tokens":64,"stream":true}' \
		>"$(body_file stream)"
}

# run_wrk TARGET MODE CONNECTIONS SECONDS OUTFILE
run_wrk() {
	local target=$1 mode=$2 conns=$3 seconds=$4 out=$5
	BODY_FILE=$(body_file "$mode") BENCH_API_KEY=$API_KEY \
		taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"${seconds}s" --timeout 10s -s bench/post.lua \
		"http://127.0.0.1:$(port_of "$target")/v1/chat/completions" >"$out" 2>&1 ||
		die "wrk failed ($target $mode c=$conns): $(tail -n 5 "$out")"
	grep -q '^BENCH_RESULT ' "$out" || die "wrk printed no result ($target $mode c=$conns): $(tail -n 5 "$out")"
}

# Prints "non2xx socket_errors" of a wrk output file.
wrk_errors() { sed -n 's/^BENCH_RESULT .*non2xx=\([0-9]*\) socket_errors=\([0-9]*\).*/\1 \2/p' "$1"; }

note_errors() {
	local what=$1 out=$2 non2xx sock
	read -r non2xx sock <<<"$(wrk_errors "$out")"
	if ((non2xx > 0 || sock > 0)); then echo "- $what: $non2xx HTTP >= 400, $sock socket errors" >>"$NOTES"; fi
}

# One request with curl: the relay must answer 200, and a stream must end with [DONE].
smoke() {
	local target=$1 mode=$2 out code last
	out="$RUN_DIR/smoke-$target-$mode.txt"
	code=$(curl -sS -o "$out" -w '%{http_code}' --max-time 30 -H 'content-type: application/json' \
		-H "authorization: Bearer $API_KEY" --data-binary @"$(body_file "$mode")" \
		"http://127.0.0.1:$(port_of "$target")/v1/chat/completions") || die "smoke $target $mode: curl failed"
	[[ $code == 200 ]] || die "smoke $target $mode: HTTP $code: $(head -c 500 "$out")"
	if [[ $mode == stream ]]; then
		last=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | tr -d '\r')
		[[ $last == 'data: [DONE]' ]] || die "smoke $target $mode: the stream does not end with [DONE] (last line: $last)"
		echo "- $target $mode: HTTP 200, $(grep -c '^data: ' "$out") events, ends with \`data: [DONE]\`" >>"$SMOKE"
	else
		grep -q '"object":"chat.completion"' "$out" || die "smoke $target $mode: not a chat.completion: $(head -c 500 "$out")"
		echo "- $target $mode: HTTP 200, chat.completion" >>"$SMOKE"
	fi
}

# measure TARGET PHASE MODE CONNECTIONS LABEL — a warm-up, then the measured run with the
# target's CPU time read around it; appends one row to $ROWS.
measure() {
	local target=$1 phase=$2 mode=$3 conns=$4 label=$5 pid before after out kv
	local rps='' p50_us='' p90_us='' p99_us='' requests='' non2xx='' socket_errors=''
	pid=${PIDS[$target]}
	out="$RUN_DIR/wrk-$target-${label// /_}"
	if ((WARMUP > 0)); then
		run_wrk "$target" "$mode" "$conns" "$WARMUP" "$out.warmup.txt"
		note_errors "$target $label (warm-up)" "$out.warmup.txt"
	fi
	log "$target $label: ${DURATION}s"
	local ledger_before='' ledger_after=''
	[[ $target == elygate ]] && ledger_before=$(ledger_counts)
	before=$(cpu_ticks "$pid")
	run_wrk "$target" "$mode" "$conns" "$DURATION" "$out.txt"
	after=$(cpu_ticks "$pid")
	[[ $target == elygate ]] && ledger_after=$(ledger_counts) &&
		printf '%s\t%s\t%s\t%s\n' "$label" "$ledger_before" "$ledger_after" "$DURATION" >>"$LEDGER"
	note_errors "$target $label" "$out.txt"
	for kv in $(sed -n 's/^BENCH_RESULT //p' "$out.txt"); do
		case ${kv%%=*} in
		rps) rps=${kv#*=} ;;
		p50_us) p50_us=${kv#*=} ;;
		p90_us) p90_us=${kv#*=} ;;
		p99_us) p99_us=${kv#*=} ;;
		requests) requests=${kv#*=} ;;
		non2xx) non2xx=${kv#*=} ;;
		socket_errors) socket_errors=${kv#*=} ;;
		esac
	done
	((requests > 0)) || die "$target $label: no request completed"
	local cpu_us
	cpu_us=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$phase" "$mode" "$conns" "$target" \
		"$rps" "$p50_us" "$p90_us" "$p99_us" "$requests" "$non2xx" "$socket_errors" "$cpu_us" >>"$ROWS"
	log "$target $label: $rps req/s, p50 ${p50_us} µs, p99 ${p99_us} µs, $cpu_us CPU µs/req"
}

# Everything for one target, alone on its CPU: throughput cases against an instant mock,
# then latency cases against a slow one.
bench_target() {
	local target=$1 mode conns
	log "== $target"
	start_mock 0
	start_target "$target"
	for mode in "${MODES[@]}"; do smoke "$target" "$mode"; done
	if ((FIRST_WARMUP > 0)); then
		log "$target: first warm-up ${FIRST_WARMUP}s"
		run_wrk "$target" nonstream "${CONNECTIONS##* }" "$FIRST_WARMUP" "$RUN_DIR/wrk-$target-first-warmup.txt"
		note_errors "$target first warm-up" "$RUN_DIR/wrk-$target-first-warmup.txt"
	fi
	for mode in "${MODES[@]}"; do
		for conns in $CONNECTIONS; do measure "$target" throughput "$mode" "$conns" "$mode c=$conns"; done
	done

	log "$target: restarting the mock with ${LATENCY_MS} ms latency"
	stop_proc mock
	start_mock "$LATENCY_MS"
	for mode in "${MODES[@]}"; do
		measure "$target" latency "$mode" "$LATENCY_CONNECTIONS" "$mode c=$LATENCY_CONNECTIONS +${LATENCY_MS}ms"
	done

	printf '%s\t%s\n' "$target" "$(peak_rss_kb "${PIDS[$target]}")" >>"$RSS"
	curl -fsS "http://127.0.0.1:$MOCK_PORT/stats" >"$RUN_DIR/mock-stats-$target.json" || true
	stop_proc "$target"
	stop_proc mock
}

# Elygate alone over two channels of equal weight: both healthy, then one failing FAIL_PERCENT
# of its calls (HTTP 500), each with a fresh Elygate (no breaker state carried over); the pair
# is repeated FAILOVER_ROUNDS times, alternating, so that drift on a shared machine hits both.
bench_failover() {
	local round fail label mode before
	for ((round = 1; round <= FAILOVER_ROUNDS; round++)); do
		for fail in 0 "$FAIL_PERCENT"; do
			label=healthy
			((fail > 0)) && label="${fail}% failing"
			log "== round $round: elygate, two channels, $label"
			start_mock 0 "$fail"
			start_target elygate
			for mode in "${MODES[@]}"; do smoke elygate "$mode"; done
			if ((FIRST_WARMUP > 0)); then
				run_wrk elygate nonstream "$FAILOVER_CONNECTIONS" "$FIRST_WARMUP" "$RUN_DIR/wrk-elygate-first-warmup-$round-$fail.txt"
				note_errors "elygate first warm-up ($label)" "$RUN_DIR/wrk-elygate-first-warmup-$round-$fail.txt"
			fi
			before=$(curl -fsS "http://127.0.0.1:$MOCK_PORT/stats")
			for mode in "${MODES[@]}"; do
				measure elygate "$label" "$mode" "$FAILOVER_CONNECTIONS" "$mode c=$FAILOVER_CONNECTIONS, $label"
			done
			printf '%s\t%s\t%s\n' "$label" "$before" "$(curl -fsS "http://127.0.0.1:$MOCK_PORT/stats")" >>"$RUN_DIR/mock-stats.tsv"
			printf '%s\t%s\n' "elygate ($label, round $round)" "$(peak_rss_kb "${PIDS[elygate]}")" >>"$RSS"
			stop_proc elygate
			stop_proc mock
		done
	done
}

# ---------------------------------------------------------------- report

results_table() {
	awk -F'\t' '
		function ms(us) { return sprintf("%.2f", us / 1000) }
		{
			key = $1 SUBSEP $5
			if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
			rps[key] = $6; p50[key] = $7; p99[key] = $9; non2xx[key] = $11; sock[key] = $12; cpu[key] = $13
			targets[$5] = 1
		}
		END {
			print "| case | target | rps | p50 ms | p99 ms | CPU µs/req | rps ratio vs bare | p50 delta vs bare (ms) | non-2xx |"
			print "|---|---|--:|--:|--:|--:|--:|--:|--:|"
			split("bare elygate", names, " ")
			for (i = 1; i <= n; i++) for (j = 1; j <= 2; j++) {
				c = order[i]; t = names[j]; k = c SUBSEP t; b = c SUBSEP "bare"
				if (!(k in rps)) continue
				ratio = "—"; delta = "—"
				if (t != "bare" && (b in rps)) {
					ratio = sprintf("%.2f", rps[k] / rps[b])
					delta = sprintf("%+.3f", (p50[k] - p50[b]) / 1000)
				}
				errs = non2xx[k] (sock[k] > 0 ? " (+" sock[k] " socket)" : "")
				printf "| %s | %s | %.0f | %s | %s | %.0f | %s | %s | %s |\n", c, t, rps[k], ms(p50[k]), ms(p99[k]), cpu[k], ratio, delta, errs
			}
		}' "$ROWS"
}

# One verdict line per budget; a budget measured with failed requests does not pass.
budget_table() {
	awk -F'\t' -v min_ratio="$MIN_RPS_RATIO" -v max_p50="$MAX_ADDED_P50_MS" '
		{ key = $1 SUBSEP $5; rps[key] = $6; p50[key] = $7; errs[key] = $11 + $12; phase[$1] = $2; mode[$1] = $3; cases[$1] = 1 }
		function verdict(ok, bad) { return bad ? "FAIL (errors)" : (ok ? "PASS" : "FAIL") }
		END {
			print "| budget | worst case | measured | verdict |"
			print "|---|---|--:|---|"
			split("nonstream stream", modes, " ")
			for (m = 1; m <= 2; m++) {
				worst = ""; bad = 0
				for (c in cases) {
					if (phase[c] != "throughput" || mode[c] != modes[m]) continue
					e = c SUBSEP "elygate"; b = c SUBSEP "bare"
					if (!(e in rps) || !(b in rps)) continue
					r = rps[e] / rps[b]
					if (errs[e] > 0) bad = 1
					if (worst == "" || r < worst) { worst = r; wc = c }
				}
				if (worst == "") continue
				printf "| throughput %s: elygate ≥ %s × bare | %s | %.2f× | %s |\n", modes[m], min_ratio, wc, worst, verdict(worst >= min_ratio, bad)
			}
			for (m = 1; m <= 2; m++) {
				worst = ""; bad = 0
				for (c in cases) {
					if (phase[c] != "latency" || mode[c] != modes[m]) continue
					e = c SUBSEP "elygate"; b = c SUBSEP "bare"
					if (!(e in rps) || !(b in rps)) continue
					d = (p50[e] - p50[b]) / 1000
					if (errs[e] > 0) bad = 1
					if (worst == "" || d > worst) { worst = d; wc = c }
				}
				if (worst == "") continue
				printf "| added p50 latency %s < %s ms | %s | %+.3f ms | %s |\n", modes[m], max_p50, wc, worst, verdict(worst < max_p50, bad)
			}
		}' "$ROWS"
}

# Ledger transactions per second and rows per transaction while Elygate was under load (the
# counters are read around each measured run; rows of the warm-up flushed later may spill in).
ledger_table() {
	echo '| case | ledger transactions/s | rows per transaction |'
	echo '|---|--:|--:|'
	awk -F'\t' '{
		split($2, b, " "); split($3, a, " ")
		tx = a[1] - b[1]; rows = a[2] - b[2]
		printf "| %s | %.1f | %.0f |\n", $1, tx / $4, (tx > 0 ? rows / tx : 0)
	}' "$LEDGER"
}

rss_table() {
	echo '| target | peak RSS (MiB) |'
	echo '|---|--:|'
	awk -F'\t' '{ printf "| %s | %.1f |\n", $1, $2 / 1024 }' "$RSS"
}

# Elygate logs at warn, so every line it wrote is worth a look.
elygate_log_notes() {
	local lines
	lines=$(grep -c . "$RUN_DIR/elygate.log" || true)
	if ((lines > 0)); then
		echo "- Elygate wrote $lines log line(s) at warn or above (see elygate.log); the first:"
		echo
		echo '```'
		head -n 5 "$RUN_DIR/elygate.log" | cut -c 1-400
		echo '```'
	else
		echo '- Elygate logged nothing at warn or above.'
	fi
}

# Memory, smoke checks and notes: the end of every report.
report_tail() {
	if [[ -s $LEDGER ]]; then
		echo '## Billing ledger'
		echo
		ledger_table
		echo
	fi
	echo '## Memory'
	echo
	rss_table
	echo
	echo '## Smoke checks'
	echo
	cat "$SMOKE"
	echo
	echo '## Notes'
	echo
	if [[ -s $NOTES ]]; then cat "$NOTES"; else echo '- No failed requests or socket errors in any run (warm-ups included).'; fi
	elygate_log_notes
}

# Medians over the rounds; each failing case against the healthy one of the same mode.
failover_table() {
	awk -F'\t' '
		function ms(us) { return sprintf("%.2f", us / 1000) }
		function median(list,   a, k, i, j, t, m) {
			k = split(list, a, " ")
			for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
			m = int((k + 1) / 2); return (k % 2) ? a[m] : (a[m] + a[m + 1]) / 2
		}
		{
			if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1; phase[$1] = $2; mode[$1] = $3 }
			rps[$1] = rps[$1] " " $6; p50[$1] = p50[$1] " " $7; p99[$1] = p99[$1] " " $9; cpu[$1] = cpu[$1] " " $13
			all[$1] = all[$1] " " sprintf("%.0f", $6); errs[$1] += $11 + $12
		}
		END {
			for (i = 1; i <= n; i++) { c = order[i]; R[c] = median(rps[c]); P50[c] = median(p50[c]); P99[c] = median(p99[c]); C[c] = median(cpu[c])
				if (phase[c] == "healthy") { hr[mode[c]] = R[c]; h99[mode[c]] = P99[c] } }
			print "| case (median of rounds) | rps | each round | p50 ms | p99 ms | CPU µs/req | rps vs healthy | p99 vs healthy | non-2xx |"
			print "|---|--:|---|--:|--:|--:|--:|--:|--:|"
			for (i = 1; i <= n; i++) {
				c = order[i]; r = "—"; d = "—"
				if (phase[c] != "healthy" && (mode[c] in hr)) { r = sprintf("%.2f×", R[c] / hr[mode[c]]); d = sprintf("%+.2f ms", (P99[c] - h99[mode[c]]) / 1000) }
				printf "| %s | %.0f | %s | %s | %s | %.0f | %s | %s | %s |\n", c, R[c], substr(all[c], 2), ms(P50[c]), ms(P99[c]), C[c], r, d, errs[c]
			}
		}' "$ROWS"
}

# Upstream calls and failures during the measured cases, summed over the rounds.
failover_upstream_table() {
	echo '| run | upstream calls | of which failed (HTTP 500) |'
	echo '|---|--:|--:|'
	bun --no-env-file -e '
		const totals = new Map();
		for (const line of (await Bun.file(process.argv[1]).text()).trim().split("\n")) {
			const [label, a, b] = line.split("\t"); const x = JSON.parse(a), y = JSON.parse(b);
			const t = totals.get(label) ?? { calls: 0, failed: 0 };
			t.calls += y.requests - x.requests; t.failed += y.failed - x.failed; totals.set(label, t);
		}
		for (const [label, t] of totals) console.log(`| ${label} | ${t.calls} | ${t.failed} |`);' "$RUN_DIR/mock-stats.tsv"
}

write_failover_report() {
	{
		echo '# Elygate failover benchmark'
		echo
		echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S') UTC; Bun $(bun --version); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
		echo "- Two \`openai\` channels of equal priority and weight; in the failing run one answers HTTP 500 to ${FAIL_PERCENT}% of its calls (evenly spread); every failed first attempt is retried on the other channel"
		echo "- c=$FAILOVER_CONNECTIONS; ${WARMUP}s warm-up, ${DURATION}s measured per case; $FAILOVER_ROUNDS rounds, healthy and failing alternating; mock and wrk on CPU $LOAD_CPU, Elygate alone on CPU $TARGET_CPU"
		echo
		failover_table
		echo
		failover_upstream_table
		echo
		report_tail
	} >"$RUN_DIR/results.md"
	cat "$RUN_DIR/results.md"
}

write_report() {
	local commit build_note=''
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	[[ -z $(git status --porcelain 2>/dev/null) ]] || commit+=' (with uncommitted changes)'
	[[ $BUILD_STATE == stale ]] && build_note=' — older than the sources: run `bun run build` to measure the current code'
	{
		echo '# Elygate relay benchmark'
		echo
		echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S') UTC"
		echo "- Bun: $(bun --version)"
		echo "- CPU: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1) ($(nproc) CPUs online)"
		echo "- Kernel: $(uname -r)"
		echo "- Commit: $commit; build of $(cat build/.stamp)$build_note"
		echo "- Pinning: mock and wrk (1 thread) on CPU $LOAD_CPU; the target alone on CPU $TARGET_CPU, one target at a time"
		echo "- Each case: ${WARMUP}s warm-up, ${DURATION}s measured; first warm-up ${FIRST_WARMUP}s per target; $MOCK_CHUNKS content chunks per stream"
		echo
		echo '## Results'
		echo
		results_table
		echo
		echo "p50/p99: wrk latency to the complete response. CPU µs/req: the target process's user+system CPU time during the measured run over its completed requests. non-2xx: wrk's count of HTTP >= 400."
		echo
		echo '## Budgets'
		echo
		budget_table
		echo
		report_tail
	} >"$RUN_DIR/results.md"
	cat "$RUN_DIR/results.md"
}

# ---------------------------------------------------------------- main

for tool in wrk taskset curl bun awk getconf lscpu; do
	command -v "$tool" >/dev/null || die "$tool is required"
done
for port in "$MOCK_PORT" "$BARE_PORT" "$ELYGATE_PORT" "$MOCK_FLAKY_PORT"; do
	! port_in_use "$port" || die "port $port is in use; set MOCK_PORT / BARE_PORT / ELYGATE_PORT"
done

if [[ ! -f build/.stamp ]]; then
	log 'no build yet: bun run build'
	bun run build >&2
fi
BUILD_STATE=$(bun --no-env-file -e "import { buildState } from './scripts/build-state'; console.log(buildState())" 2>/dev/null || echo unknown)
[[ $BUILD_STATE != stale ]] || log 'warning: build/ is older than the sources; measuring the old build'

CLK_TCK=$(getconf CLK_TCK)
RUN_DIR="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
TMP=$(mktemp -d)
ROWS="$RUN_DIR/rows.tsv"
RSS="$RUN_DIR/rss.tsv"
SMOKE="$RUN_DIR/smoke.md"
NOTES="$RUN_DIR/notes.md"
LEDGER="$RUN_DIR/ledger.tsv"
touch "$ROWS" "$RSS" "$SMOKE" "$NOTES" "$LEDGER"
# Elygate's /metrics, read around each run for the ledger's figures; thrown away with the run.
METRICS_TOKEN="bench-metrics-$RANDOM$RANDOM$RANDOM$RANDOM"
write_bodies

log "preparing a bench database on $BENCH_DATABASE_URL"
flaky_channel=''
[[ $SCENARIO == failover ]] && flaky_channel=$MOCK_FLAKY_PORT
SETUP=$(DATABASE_URL=$BENCH_DATABASE_URL MOCK_PORT=$MOCK_PORT MOCK_FLAKY_PORT=$flaky_channel bun --no-env-file bench/setup-elygate.ts)
json_field() { bun --no-env-file -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$SETUP" "$1"; }
DB_URL=$(json_field databaseUrl)
API_KEY=$(json_field apiKey)
SECRET_KEY=$(json_field secretKey)
log "bench database: $DB_URL"

case $SCENARIO in
relay)
	for target in "${TARGETS[@]}"; do bench_target "$target"; done
	log "results in $RUN_DIR"
	write_report
	;;
failover)
	bench_failover
	log "results in $RUN_DIR"
	write_failover_report
	;;
*) die "SCENARIO must be relay or failover" ;;
esac
