#!/usr/bin/env bash
# Every taxi schema era (gen-taxi), through fanout and the reference: names that
# move and change case between eras, alternatives, filters, exact sums, every
# threads/range/buffer combination, compressed copies, and the stderr summary.
source "$(dirname "$0")/lib.sh"
require_fanout

DATA=$TMP/taxi
SMALL=$TMP/small
run_fanout gen gen-taxi --out "$DATA" --files 6 --rows 3000 --seed 7
[[ $(rc_of gen) == 0 ]] || die "gen-taxi failed: $(cat "$TMP/err.gen")"
run_fanout gen gen-taxi --out "$SMALL" --files 6 --rows 40 --seed 11
[[ $(rc_of gen) == 0 ]] || die "gen-taxi (small) failed: $(cat "$TMP/err.gen")"

# ---- the generated files cover every era ------------------------------------------
mapfile -t FILES < <(find "$DATA" -type f -not -name '.*' | LC_ALL=C sort)
check_eq "number of generated files" "${#FILES[@]}" 6
first_line() { head -n 1 "$1" | tr -d '\r'; }
has_field() {  # has_field LINE NAME: NAME is one of LINE's comma-separated fields
  local IFS=, f
  for f in $1; do [[ $f == "$2" ]] && return 0; done
  return 1
}
n2009=0 nlater=0 n2020=0
for f in "${FILES[@]}"; do
  h=$(first_line "$f")
  case $(basename "$f") in
    *2009-*)
      n2009=$((n2009 + 1))
      check_true "$f: 2009 header has Passenger_Count and Total_Amt: $h" \
        eval 'has_field "$h" Passenger_Count && has_field "$h" Total_Amt && has_field "$h" vendor_name'
      ;;
    *)
      nlater=$((nlater + 1))
      check_true "$f: header has passenger_count and total_amount: $h" \
        eval 'has_field "$h" passenger_count && has_field "$h" total_amount'
      [[ $(basename "$f") == *202[0-9]-* ]] && n2020=$((n2020 + 1))
      ;;
  esac
done
check_true "a 2009 file was generated" test "$n2009" -ge 1
check_true "files after 2009 were generated" test "$nlater" -ge 4
check_true "a 2020+ file was generated" test "$n2020" -ge 1
check_true "some file has VendorID" grep -qx 'VendorID,.*' <(cat "${FILES[@]}" | tr -d '\r')
check_true "some file has vendor_id" grep -q '^vendor_id,' "${FILES[@]}"
check_true "some file has CRLF line ends" grep -q $'\r$' "${FILES[@]}"
check_eq "data rows" "$(ref_stat rows count --by 1 "$DATA")" 18000

# Same seed, same bytes.
run_fanout gen gen-taxi --out "$TMP/small2" --files 6 --rows 40 --seed 11
check_true "gen-taxi is deterministic" diff -r "$SMALL" "$TMP/small2"

# ---- queries across eras ----------------------------------------------------------
AGG=(--by passenger_count --count --sum 'total_amount|total_amt' --mean trip_distance
     --min 'total_amount|total_amt' --max 'total_amount|total_amt')
WHERE=(--by passenger_count --where 'trip_distance > 2' --where 'passenger_count != 1')
compare_ok count "$DATA" --by passenger_count
compare_ok count "$DATA" --by 'vendor_id|vendorid|vendor_name,passenger_count'
compare_ok agg "$DATA" "${AGG[@]}"
compare_ok count "$DATA" "${WHERE[@]}"
compare_ok agg "$DATA" --by 'vendor_id|vendorid|vendor_name' --sum passenger_count --mean 'total_amount|total_amt'
compare_ok agg "$DATA" --by 'payment_type' --count --sum 'tip_amount|tip_amt' --max trip_distance
compare_ok count "$DATA" --by passenger_count,4 --top 7
compare_ok count "$DATA" --by passenger_count --where 'total_amount|total_amt >= 20.5'
compare_ok count "$DATA" --by passenger_count --where "passenger_count = ''"
compare_ok count "${FILES[@]:0:2}" "$DATA/*202[0-9]*" --by passenger_count

# ---- every threads x range size x buffer size gives the same answer ---------------
run_ref mref agg "$SMALL" "${AGG[@]}"
[[ $(rc_of mref) == 0 ]] || die "reference failed on $SMALL: $(cat "$TMP/err.mref")"
run_ref wref count "$SMALL" "${WHERE[@]}"
# (each run with the next scanner kernel in turn)
run=0
for threads in 1 2 3 4; do
  for range in 1 7 100 4096 64MiB; do
    for buffer in 1 3 64 1000 1MiB; do
      opts=(--threads "$threads" --range-size "$range" --buffer-size "$buffer")
      run=$((run + 1))
      FANOUT_KERNEL=$(kernel_for "$run") check_table mref agg "$SMALL" "${AGG[@]}" "${opts[@]}"
    done
    run=$((run + 1))
    FANOUT_KERNEL=$(kernel_for "$run") check_table wref count "$SMALL" "${WHERE[@]}" \
      --threads "$threads" --range-size "$range" --buffer-size 5
  done
done
# The big set at a few splits too.
run_ref bref agg "$DATA" "${AGG[@]}"
for opts in "--threads 4 --range-size 1000" "--threads 3 --range-size 65536 --buffer-size 333" \
            "--threads 2 --range-size 4097 --buffer-size 4096"; do
  for k in "${KERNELS[@]}"; do
    # shellcheck disable=SC2086
    FANOUT_KERNEL=$k check_table bref agg "$DATA" "${AGG[@]}" $opts
  done
done

# ---- compressed copies give the same answers ---------------------------------------
for c in gz zst; do
  run_fanout gen gen-taxi --out "$TMP/taxi-$c" --files 6 --rows 3000 --seed 7 --compress "$c"
  if [[ $(rc_of gen) != 0 ]]; then
    fail "gen-taxi --compress $c failed: $(cat "$TMP/err.gen")"
    continue
  fi
  mapfile -t CF < <(find "$TMP/taxi-$c" -type f -not -name '.*' | LC_ALL=C sort)
  check_eq "number of .$c files" "${#CF[@]}" 6
  same=1
  for i in "${!CF[@]}"; do
    [[ ${CF[$i]} == *."$c" ]] || { fail "${CF[$i]} does not end in .$c"; same=0; continue; }
    if [[ $c == gz ]]; then dec=(gzip -dc); else dec=(zstd -dcq); fi
    if ! cmp -s <("${dec[@]}" "${CF[$i]}") "${FILES[$i]}"; then
      fail "${CF[$i]} does not decompress to ${FILES[$i]}"
      same=0
    fi
  done
  ((same)) && pass
  compare_ok count "$TMP/taxi-$c" --by passenger_count
  compare_ok agg "$TMP/taxi-$c" "${AGG[@]}" --threads 3 --range-size 100
  compare_ok count "$TMP/taxi-$c" "${WHERE[@]}" --buffer-size 1000
  # And the same table as the uncompressed data, byte for byte.
  run_fanout plain agg "$DATA" "${AGG[@]}" --quiet
  run_fanout comp agg "$TMP/taxi-$c" "${AGG[@]}" --quiet
  check_files_equal "$c result equals the uncompressed result" "$TMP/out.comp" "$TMP/out.plain"
done

# ---- summary line: rows and skipped rows by reason --------------------------------
mapfile -t LATE < <(printf '%s\n' "${FILES[@]}" | grep -E '_202[0-9]-')
empty_pc=$(ref_stat reason:'non-numeric passenger_count' agg --by 'vendorid' --sum passenger_count "${LATE[@]}")
check_true "2020+ files have rows with an empty passenger_count (got $empty_pc)" test "$empty_pc" -gt 0
check_summary agg "${LATE[@]}" --by vendorid --sum passenger_count
check_summary agg "${LATE[@]}" --by vendorid --sum passenger_count --threads 3 --range-size 1000
check_summary agg "$DATA" --by 'vendor_id|vendorid|vendor_name' --sum passenger_count --mean 'total_amount|total_amt'
check_summary count "$DATA" --by passenger_count --range-size 4096 --buffer-size 64
check_summary count "$DATA" "${WHERE[@]}"
check_summary agg "$TMP/taxi-zst" "${AGG[@]}"
# Skipped rows are not zeros: rows with an empty passenger_count are left out of
# the count, the sum and the mean alike.
compare_ok agg "${LATE[@]}" --by 'vendorid' --count --sum passenger_count --mean passenger_count

finish
