#!/usr/bin/env bash
# Runs a command with a one-node Slurm on this machine, then stops it: nothing is left
# running. The Slurm is Debian's slurm-wlm with munge (scripts/install-deps.sh installs
# them), its slurm.conf generated for a container (proctrack/linuxproc, task/none, this
# machine's cores, a partition `debug` that may oversubscribe them, a requeued job eligible
# again after 10 s instead of 120, once its last run is surely gone) in a state folder of its own, with PMIx's temporary
# folders (left in /tmp, one would fail the next run's job of the same id); the command
# sees SLURM_CONF, so srun, sbatch, squeue and scontrol talk to it.
#
#   scripts/with-slurm.sh srun --mpi=pmix -n 3 --overcommit ./my_search
#   PARTRAIN_SLURM_DIR=/tmp/s scripts/with-slurm.sh bash -c 'sbatch --wait job.sh'
#
# Exits with the command's status (or 2 when Slurm would not start: its logs are printed).
# Needs root (the daemons run as root here, as in a container).
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 command [args...]" >&2; exit 2; }
for tool in munged slurmctld slurmd srun; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found: apt-get install slurm-wlm munge" >&2; exit 2; }
done
[ -d /usr/lib/x86_64-linux-gnu/slurm-wlm ] && ! ls /usr/lib/x86_64-linux-gnu/slurm-wlm/mpi_pmix*.so >/dev/null 2>&1 &&
  echo "warning: Slurm's pmix plugin is missing (slurm-wlm-basic-plugins): srun --mpi=pmix will fail" >&2

running() { pgrep -r R,S,D -x "$1" >/dev/null; }  # not zombies no one reaped
if running slurmctld || running slurmd; then
  echo "error: a Slurm is already running on this machine; stop it first" >&2
  exit 2
fi
dir=${PARTRAIN_SLURM_DIR:-$(mktemp -d /tmp/partrain-slurm.XXXXXX)}
mkdir -p "$dir/state" "$dir/spool" "$dir/tmp"
node=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 8 / 10 ))
cat > "$dir/slurm.conf" <<CONF
ClusterName=partrain
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
TmpFS=$dir/tmp
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=${PARTRAIN_SLURM_PORT:-6817}
SlurmdPort=$(( ${PARTRAIN_SLURM_PORT:-6817} + 1 ))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
KillWait=3
MinJobAge=60
NodeName=$node CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$memory
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
export SLURM_CONF=$dir/slurm.conf

started_munge=0
stop_all() {
  for pid_file in "$dir/slurmd.pid" "$dir/slurmctld.pid"; do
    [ -s "$pid_file" ] && kill "$(cat "$pid_file")" 2>/dev/null || true
  done
  for _ in $(seq 50); do  # up to 5 s for them to end
    running slurmctld || running slurmd || break
    sleep 0.1
  done
  pkill -9 -x slurmctld 2>/dev/null || true
  pkill -9 -x slurmd 2>/dev/null || true
  pkill -9 -x slurmstepd 2>/dev/null || true
  if [ "$started_munge" = 1 ]; then
    pkill -x munged 2>/dev/null || true
    for _ in $(seq 50); do [ -S /run/munge/munge.socket.2 ] || break; sleep 0.1; done  # gone before the next start
  fi
  [ -n "${PARTRAIN_SLURM_DIR:-}" ] || rm -rf "$dir"
}
fail() {
  echo "error: $1; Slurm's logs:" >&2
  tail -n 20 "$dir"/*.log >&2 2>/dev/null || true
  exit 2
}
trap stop_all EXIT

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_works; then  # (a pgrep would also see a dead munged that no one reaped)
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  [ -f /etc/munge/munge.key ] || { /usr/sbin/mungekey --create >/dev/null 2>&1 || /usr/sbin/create-munge-key -f >/dev/null; chown munge:munge /etc/munge/munge.key; }
  su -s /bin/sh munge -c /usr/sbin/munged || fail "munged would not start"
  started_munge=1
  for _ in $(seq 50); do munge_works && break; sleep 0.1; done
  munge_works || fail "munged started but does not answer on /run/munge"
fi
slurmctld || fail "slurmctld would not start"
slurmd || fail "slurmd would not start"
for _ in $(seq 100); do  # up to 20 s for the node to be idle
  state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || fail "node $node is '$state', not idle"

set +e
"$@"
status=$?
set -e
exit $status
