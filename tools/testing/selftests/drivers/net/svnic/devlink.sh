#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# devlink of the PF: the instance on the PF's device on the svnic bus, its
# eswitch mode (legacy; switchdev is refused while VFs exist, see
# switchdev.sh), and the "tx" health
# reporter: a stalled VF TX queue is found by the TX watchdog, reported,
# dumped and recovered automatically, or left hung with auto_recover off
# until `devlink health recover`; the instance goes with the PF.

source "$(dirname "$(readlink -e "$0")")/svnic_lib.sh"

# The devlink handle of pf0 (devlink instances live in init_net).
dl_handle()
{
	echo "svnic/$(svnic_dev_name "$(svnic_sys "$NS_HOST" "class/net/pf0/device")")"
}

# tx_health FIELD: a field of the tx reporter's entry in `devlink health show`.
tx_health()
{
	svnic_devlink_value "$1" devlink health show "$DL" reporter tx
}

# stall VF-INDEX: stalls the VF's TX queue and fills it: the queue stops
# and the TX watchdog fires after 5 s without progress.
stall()
{
	svnic_bql_floor "$1"
	echo 1 >"$(svnic_vf_dbg "$1")/stall_tx"
	svnic_fill_tx "$1"
}

errors_at_least()
{
	[ "$(tx_health error)" -ge "$1" ]
}

hung_is()
{
	[ "$(<"$(svnic_vf_dbg "$1")/tx_hung")" = "$2" ]
}

test_instance()
{
	RET=0
	devlink -j dev show | jq -e ".dev[\"$DL\"]" >/dev/null
	check_err $? "devlink dev show does not list $DL"
	[ "$(svnic_devlink_value mode devlink dev eswitch show "$DL")" = legacy ]
	check_err $? "the eswitch mode is not legacy"
	devlink dev eswitch set "$DL" mode legacy
	check_err $? "setting the legacy mode failed"
	svnic_expect_fail "sriov_numvfs to 0" \
		devlink dev eswitch set "$DL" mode switchdev
	[ "$(svnic_devlink_value mode devlink dev eswitch show "$DL")" = legacy ]
	check_err $? "a refused switchdev changed the mode"
	[ "$(tx_health state)" = healthy ] && [ "$(tx_health error)" = 0 ] &&
		[ "$(tx_health recover)" = 0 ] && [ "$(tx_health auto_recover)" = true ] &&
		[ "$(tx_health auto_dump)" = true ]
	check_err $? "the tx reporter is not healthy with auto recovery and dump: $(devlink health show "$DL" reporter tx)"
	log_test "devlink: instance $DL, legacy eswitch, tx health reporter"
}

test_auto_recover()
{
	RET=0
	local dump
	stall 0
	svnic_wait_for 30 errors_at_least 1
	check_err $? "the stalled queue of VF0 was not reported"
	svnic_wait_for 10 hung_is 0 0
	check_err $? "the stalled queue of VF0 was not recovered"
	[ "$(tx_health recover)" -ge 1 ]
	check_err $? "the recovery was not counted: $(devlink health show "$DL" reporter tx)"
	[ "$(<"$(svnic_vf_dbg 0)/stall_tx")" = 0 ]
	check_err $? "the recovery did not clear the stall"
	dump=$(devlink -j health dump show "$DL" reporter tx)
	echo "$dump" | jq -e '[.. | objects | select(.vf == 0 and .hung == true and .stopped == true)] | length == 1' >/dev/null
	check_err $? "the automatic dump does not show VF0 hung and stopped: $dump"
	devlink health dump clear "$DL" reporter tx
	check_err $? "clearing the dump failed"
	svnic_in "$(svnic_vf_ns 0)" ping -c 2 -W 3 192.0.2.11 >/dev/null
	check_err $? "VF0 does not pass traffic after the recovery"
	log_test "devlink: a TX timeout is reported, dumped and recovered"
}

test_manual_recover()
{
	RET=0
	local errors recovers out
	devlink health set "$DL" reporter tx auto_recover false
	check_err $? "turning auto_recover off failed"
	defer devlink health set "$DL" reporter tx auto_recover true
	errors=$(tx_health error) recovers=$(tx_health recover)
	stall 1
	svnic_wait_for 30 errors_at_least $((errors + 1))
	check_err $? "the stalled queue of VF1 was not reported"
	sleep 2
	hung_is 1 1
	check_err $? "VF1's queue was reset with auto_recover off"
	[ "$(tx_health state)" = error ]
	check_err $? "the reporter is not in the error state: $(tx_health state)"
	out=$(devlink -j health diagnose "$DL" reporter tx)
	echo "$out" | jq -e '[.. | objects | select(.vf == 1 and .hung == true)] | length == 1' >/dev/null &&
		echo "$out" | jq -e '[.. | objects | select(.vf == 0 and .hung == false)] | length == 1' >/dev/null
	check_err $? "diagnose does not show VF1 hung and VF0 healthy: $out"
	svnic_in "$(svnic_vf_ns 1)" ping -c 1 -W 2 192.0.2.10 >/dev/null
	check_fail $? "VF1 passes traffic while hung"
	devlink health recover "$DL" reporter tx
	check_err $? "devlink health recover failed"
	hung_is 1 0
	check_err $? "devlink health recover did not reset VF1's queue"
	[ "$(tx_health state)" = healthy ] && [ "$(tx_health recover)" = $((recovers + 1)) ]
	check_err $? "the recovery was not counted: $(devlink health show "$DL" reporter tx)"
	svnic_in "$(svnic_vf_ns 1)" ping -c 2 -W 3 192.0.2.10 >/dev/null
	check_err $? "VF1 does not pass traffic after the recovery"
	log_test "devlink: with auto_recover off a hung queue waits for devlink health recover"
}

test_gone_with_pf()
{
	RET=0
	echo 0 >"$(svnic_sysfs pf0 sriov_numvfs)"
	check_err $? "removing the VFs failed"
	devlink health diagnose "$DL" reporter tx >/dev/null
	check_err $? "diagnose without VFs failed"
	ip -n "$NS_HOST" link del pf0
	check_err $? "deleting the PF failed"
	svnic_wait_for 5 bash -c "! devlink dev show $DL >/dev/null 2>&1"
	check_err $? "$DL outlived its PF"
	log_test "devlink: the instance goes with its PF"
}

trap defer_scopes_cleanup EXIT
svnic_require_module
require_command devlink
require_command jq
svnic_topo
svnic_vfs 2 || exit "$ksft_skip"
DL=$(dl_handle)
test_instance
test_auto_recover
in_defer_scope test_manual_recover
test_gone_with_pf
exit "$EXIT_STATUS"
