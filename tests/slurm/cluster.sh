#!/usr/bin/env bash
# A throw-away single-node SLURM cluster on this machine, for the workflow's SLURM test.
#   tests/slurm/cluster.sh start DIR   -> munged, slurmctld, slurmd running, state under DIR
#   tests/slurm/cluster.sh stop DIR    -> daemons stopped, /etc/slurm/slurm.conf removed if ours
# Needs (as root) Debian's slurmctld slurmd slurm-client munge (install.sh --with-slurm).
# The SLURM executor's job steps drop SLURM_CONF, so the config must be /etc/slurm/slurm.conf;
# an existing one that this script did not write is never touched (then: exit 3).
set -euo pipefail
cmd=$1; dir=$(realpath -m "$2")
conf=/etc/slurm/slurm.conf
marker="# written by tests/slurm/cluster.sh"

stop() {
  for p in slurmd slurmctld munged; do
    [ -f "$dir/$p.pid" ] && kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
  done
  sleep 1
  for p in slurmd slurmctld munged; do
    [ -f "$dir/$p.pid" ] && kill -9 "$(cat "$dir/$p.pid")" 2>/dev/null || true
    rm -f "$dir/$p.pid"
  done
  if [ -f "$conf" ] && head -1 "$conf" | grep -qF "$marker"; then rm -f "$conf"; fi
}

if [ "$cmd" = stop ]; then stop; exit 0; fi

for exe in slurmctld slurmd sinfo munged; do
  command -v $exe >/dev/null || { echo "SLURM is not installed ($exe missing): run 'bash install.sh --with-slurm'" >&2; exit 2; }
done
if [ -f "$conf" ] && ! head -1 "$conf" | grep -qF "$marker"; then
  echo "$conf exists and was not written by this script: refusing to touch a real cluster" >&2; exit 3
fi
mkdir -p "$dir"/{state,spool,munge} /etc/slurm
host=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
# munge: a fresh key and a private socket
dd if=/dev/urandom bs=1 count=1024 of="$dir/munge/munge.key" 2>/dev/null
chmod 400 "$dir/munge/munge.key"
chmod 700 "$dir/munge"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/seed"
cat > "$conf" <<CONF
$marker ($dir)
ClusterName=testcluster
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=pmix
MinJobAge=300
ReturnToService=2
SchedulerType=sched/builtin
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
slurmctld -i -f "$conf"
slurmd -f "$conf"
for i in $(seq 1 60); do
  if sinfo -h -o '%t' 2>/dev/null | grep -q idle; then echo "SLURM up on $host ($cpus CPUs)"; exit 0; fi
  sleep 1
done
echo "SLURM did not come up; logs in $dir" >&2
tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
stop
exit 1
