#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for tests/test_slurm.py and CI.
#
#   tests/slurm/cluster.sh start    install the Debian packages if missing (needs root), write
#                                   the configs, start MariaDB, munged, slurmdbd, slurmctld and
#                                   slurmd, and wait until `sinfo` shows the node idle
#   tests/slurm/cluster.sh stop     stop the daemons this script started
#   tests/slurm/cluster.sh status   the daemons' pids and `sinfo`
#
# The node is this machine, named `localhost`, with the cores and memory `slurmd -C` reports,
# in one default partition `debug`. Every address is 127.0.0.1: the daemons talk over
# loopback, MariaDB over a unix socket only, and nothing else is contacted (apt-get aside,
# when packages are missing).
# Job accounting: `sacct`, which the executor plugin polls for job states by default, answers
# only through slurmdbd ("Slurm accounting storage is disabled" otherwise), so slurmdbd runs
# too, on a private MariaDB server (data in $STATE/mysql). The account `hdlearn` holds the user
# who starts the cluster. Jobs run under slurmd, started with `nice -n 10` (shared machine).
# Refuses to overwrite a slurm.conf it did not write. Any failure exits non-zero, loudly.
set -euo pipefail

STATE=${HDLEARN_SLURM_STATE:-/var/lib/hdlearn-slurm}
CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
DBD_CONF=$CONF_DIR/slurmdbd.conf
MARKER="# written by hdlearn tests/slurm/cluster.sh"
PACKAGES=(slurm-wlm slurm-client slurmdbd munge mariadb-server)
COMMANDS=(sinfo sbatch sacct sacctmgr slurmctld slurmd slurmdbd munged mariadbd
    mariadb-install-db)
DB_SOCKET=/run/mysqld/mysqld.sock
DB_PID=/run/mysqld/hdlearn-mariadbd.pid
CLUSTER=hdlearn
ACCOUNT=hdlearn

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "must run as root (installs packages and starts daemons)"
}

missing_commands() {
    local command
    for command in "${COMMANDS[@]}"; do
        command -v "$command" > /dev/null || echo "$command"
    done
}

install_packages() {
    local missing
    missing=$(missing_commands)
    [[ -z $missing ]] && return
    echo "cluster.sh: installing ${PACKAGES[*]} (missing: $(echo $missing))"
    command -v apt-get > /dev/null || die "no apt-get: install ${PACKAGES[*]} by hand"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"; then
        apt-get update -q || die "apt-get update failed"
        apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" ||
            die "apt-get install ${PACKAGES[*]} failed"
    fi
    missing=$(missing_commands)
    [[ -z $missing ]] || die "still missing after install: $missing"
}

ours() { # file: absent, or written by this script
    [[ ! -e $1 ]] || grep -qF "$MARKER" "$1"
}

write_configs() {
    ours "$CONF" || die "$CONF exists and was not written by this script; not touching it"
    ours "$DBD_CONF" || die "$DBD_CONF exists and was not written by this script"
    # `slurmd -C` prints this machine's hardware: CPUs=... RealMemory=...
    local hardware
    hardware=$(slurmd -C | head -1 | sed -E 's/^NodeName=[^ ]+ //')
    [[ $hardware == *CPUs=* && $hardware == *RealMemory=* ]] ||
        die "slurmd -C gave no hardware line: $hardware"
    mkdir -p "$CONF_DIR" "$STATE"/{ctld,spool,log}
    chown slurm:slurm "$STATE" "$STATE"/{ctld,spool,log}
    cat > "$CONF.tmp" << EOF
$MARKER
ClusterName=$CLUSTER
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MinJobAge=300
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
NodeName=localhost NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$CONF.tmp" "$CONF"
    cat > "$DBD_CONF.tmp" << EOF
$MARKER
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=slurm
PidFile=$STATE/slurmdbd.pid
LogFile=$STATE/log/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=hdlearn
StorageLoc=slurm_acct_db
EOF
    chown slurm:slurm "$DBD_CONF.tmp"
    chmod 600 "$DBD_CONF.tmp"
    mv "$DBD_CONF.tmp" "$DBD_CONF"
}

running() { # pidfile
    [[ -s $1 ]] && kill -0 "$(cat "$1")" 2> /dev/null
}

wait_for() { # what seconds command...
    local what=$1 deadline=$((SECONDS + $2))
    shift 2
    until "$@" > /dev/null 2>&1; do
        ((SECONDS < deadline)) || die "$what not ready in time ($*); logs in $STATE/log"
        sleep 1
    done
}

start_munge() {
    if [[ ! -s /etc/munge/munge.key ]]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
        chown munge:munge /etc/munge/munge.key
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p /run/munge
    chown munge:munge /run/munge
    if ! running /run/munge/munged.pid; then
        runuser -u munge -- munged --pid-file=/run/munge/munged.pid ||
            die "munged did not start"
    fi
    munge -n | unmunge > /dev/null || die "munge round trip failed"
}

start_database() {
    mkdir -p /run/mysqld
    chown mysql:mysql /run/mysqld
    if [[ ! -d $STATE/mysql/mysql ]]; then
        mkdir -p "$STATE/mysql"
        chown mysql:mysql "$STATE/mysql"
        mariadb-install-db --no-defaults --user=mysql --datadir="$STATE/mysql" \
            --skip-test-db > "$STATE/log/mariadb-install.log" 2>&1 ||
            die "mariadb-install-db failed; see $STATE/log/mariadb-install.log"
    fi
    if ! running "$DB_PID"; then
        # setsid: the server outlives this script and does not hold its terminal
        setsid nice -n 10 mariadbd --no-defaults --user=mysql --datadir="$STATE/mysql" \
            --socket="$DB_SOCKET" --pid-file="$DB_PID" --skip-networking \
            --innodb-buffer-pool-size=64M --log-error="$STATE/mysql/error.log" \
            < /dev/null > /dev/null 2>&1 &
    fi
    wait_for MariaDB 60 mariadb --no-defaults --socket="$DB_SOCKET" -e "select 1"
    mariadb --no-defaults --socket="$DB_SOCKET" << EOF || die "could not set up the database"
CREATE DATABASE IF NOT EXISTS slurm_acct_db;
CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'hdlearn';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
EOF
}

register_account() {
    local user
    user=$(id -un)
    sacctmgr -n list cluster format=cluster | grep -qw "$CLUSTER" ||
        sacctmgr -i add cluster "$CLUSTER" > /dev/null || die "sacctmgr: cannot add cluster"
    sacctmgr -n list account format=account | grep -qw "$ACCOUNT" ||
        sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" description=tests > /dev/null ||
        die "sacctmgr: cannot add account $ACCOUNT"
    sacctmgr -n list association user="$user" account="$ACCOUNT" format=user | grep -q . ||
        sacctmgr -i add user "$user" account="$ACCOUNT" > /dev/null ||
        die "sacctmgr: cannot add user $user to account $ACCOUNT"
}

start() {
    need_root
    install_packages
    write_configs
    start_munge
    start_database
    if ! running "$STATE/slurmdbd.pid"; then
        slurmdbd || die "slurmdbd did not start; see $STATE/log/slurmdbd.log"
    fi
    wait_for slurmdbd 60 sacctmgr -n list cluster
    register_account
    if ! running "$STATE/slurmctld.pid"; then
        slurmctld || die "slurmctld did not start; see $STATE/log/slurmctld.log"
    fi
    if ! running "$STATE/slurmd.pid"; then
        nice -n 10 slurmd -N localhost || die "slurmd did not start; see $STATE/log/slurmd.log"
    fi
    local deadline=$((SECONDS + 90)) state=""
    while ((SECONDS < deadline)); do
        state=$(sinfo --noheader --nodes=localhost --format=%T 2> /dev/null || true)
        if [[ $state == "idle" ]]; then
            wait_for sacct 30 sacct -n -X
            echo "cluster.sh: SLURM $(sinfo --version | awk '{print $2}') up:" \
                "node localhost idle, account $ACCOUNT, partition debug"
            sinfo
            return
        fi
        sleep 1
    done
    tail -n 20 "$STATE/log/slurmctld.log" "$STATE/log/slurmd.log" >&2 || true
    die "node not idle after 90 s (state: '${state:-none}')"
}

stop_daemon() { # name pidfile
    if running "$2"; then
        local pid
        pid=$(cat "$2")
        kill "$pid"
        for _ in $(seq 100); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2> /dev/null; then
            kill -9 "$pid"
        fi
        echo "cluster.sh: stopped $1 ($pid)"
    fi
    rm -f "$2"
}

stop() {
    need_root
    if running "$STATE/slurmctld.pid"; then
        scancel --full --user="$(id -un)" 2> /dev/null || true
    fi
    stop_daemon slurmd "$STATE/slurmd.pid"
    stop_daemon slurmctld "$STATE/slurmctld.pid"
    stop_daemon slurmdbd "$STATE/slurmdbd.pid"
    stop_daemon mariadbd "$DB_PID"
    stop_daemon munged /run/munge/munged.pid
}

status() {
    local daemon pidfile
    for daemon in munged mariadbd slurmdbd slurmctld slurmd; do
        case $daemon in
            munged) pidfile=/run/munge/munged.pid ;;
            mariadbd) pidfile=$DB_PID ;;
            *) pidfile=$STATE/$daemon.pid ;;
        esac
        if running "$pidfile"; then
            echo "$daemon: $(cat "$pidfile")"
        else
            echo "$daemon: not running"
        fi
    done
    sinfo || true
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) die "usage: $0 start|stop|status" ;;
esac
