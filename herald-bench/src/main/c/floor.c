/*
 * floor: what one TCP send per delivery costs on this machine, with no server in the way.
 *
 * A sender process holds N loopback TCP connections; a receiver process (forked, like a load
 * generator) holds the other ends and reads them through epoll. The sender "publishes" R times a
 * second to a group of G connections, taking the groups in turn, and writes one B-byte message to
 * each, from S threads that split the group as a server's event loops would. Every message carries
 * its publication's scheduled time, so the receiver measures publish-to-receive latency.
 *
 * Printed: the sender's CPU per send (user + system, all threads), the receiver's CPU per message,
 * and the latency percentiles. The sender's figure is the floor for "server CPU per delivery":
 * on loopback it includes the kernel's receive path for each segment, which runs in the sender's
 * softirq. Built and run by herald-bench/bin/floor; see docs/bench-usage.md.
 *
 *   floor -n 15000 -g 150 -r 100 -d 20        # like fanout 15,000 x 100 channels, 100 publishes/s
 *   floor -n 2000 -g 2000 -r 20 -d 20 -s 2 -t 2  # like fanout 2,000 x 1 channel, 20 publishes/s
 *   add -u to submit each thread's sends of a publication in one io_uring_enter (needs liburing)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef WITH_URING
#include <liburing.h>
#endif

static int n = 15000, group = 150, bytes = 150, senders = 1, readers = 1, uring;
static double rate = 100, seconds = 20, start;
static int *fds;
static long total_sent;
static double *latencies;
static long latency_cap, latency_count;
static int epolls[64];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static void *send_loop(void *arg) {
    int me = (int) (long) arg;
    char *message = malloc(bytes);
    memset(message, 'x', bytes);
    long sent = 0;
#ifdef WITH_URING
    struct io_uring ring;
    if (uring && io_uring_queue_init(4096, &ring, 0) != 0) {
        fprintf(stderr, "io_uring_queue_init failed\n");
        exit(1);
    }
#endif
    for (long k = 0;; k++) {
        double due = start + k / rate;
        if (due - start >= seconds) {
            break;
        }
        double wait = due - now();
        if (wait > 0) {
            struct timespec ts = {(time_t) wait, (long) ((wait - (time_t) wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
        memcpy(message, &due, sizeof due);
        int first = (int) (k % (n / group)) * group;
        int queued = 0;
        for (int i = first + me; i < first + group; i += senders) {
#ifdef WITH_URING
            if (uring) {
                io_uring_prep_send(io_uring_get_sqe(&ring), fds[i], message, bytes, 0);
                queued++;
                continue;
            }
#endif
            if (send(fds[i], message, bytes, 0) == bytes) {
                sent++;
            }
        }
#ifdef WITH_URING
        if (queued > 0) {
            io_uring_submit_and_wait(&ring, queued);
            for (int j = 0; j < queued; j++) {
                struct io_uring_cqe *cqe;
                io_uring_wait_cqe(&ring, &cqe);
                if (cqe->res == bytes) {
                    sent++;
                }
                io_uring_cqe_seen(&ring, cqe);
            }
        }
#endif
        (void) queued;
    }
    pthread_mutex_lock(&lock);
    total_sent += sent;
    pthread_mutex_unlock(&lock);
    free(message);
    return NULL;
}

static void *read_loop(void *arg) {
    int epoll = epolls[(long) arg];
    static __thread char buffer[65536];
    static __thread double mine[4096];
    int kept = 0;
    struct epoll_event events[512];
    for (;;) {
        int ready = epoll_wait(epoll, events, 512, 3000);
        if (ready <= 0) {
            break; /* quiet for 3 s: the run is over */
        }
        for (int e = 0; e < ready; e++) {
            ssize_t got;
            while ((got = read(events[e].data.fd, buffer, sizeof buffer)) > 0) {
                double t = now();
                for (ssize_t at = 0; at + bytes <= got; at += bytes) {
                    double due;
                    memcpy(&due, buffer + at, sizeof due);
                    mine[kept++] = (t - due) * 1e3;
                    if (kept == 4096) {
                        pthread_mutex_lock(&lock);
                        for (int j = 0; j < kept && latency_count < latency_cap; j++) {
                            latencies[latency_count++] = mine[j];
                        }
                        pthread_mutex_unlock(&lock);
                        kept = 0;
                    }
                }
            }
        }
    }
    pthread_mutex_lock(&lock);
    for (int j = 0; j < kept && latency_count < latency_cap; j++) {
        latencies[latency_count++] = mine[j];
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Runs body(0) .. body(count - 1) on threads of their own; returns the process CPU they took. */
static double run_threads(void *(*body)(void *), int count) {
    double cpu = cpu_seconds();
    pthread_t threads[64];
    for (long t = 0; t < count; t++) {
        pthread_create(&threads[t], NULL, body, (void *) t);
    }
    for (int t = 0; t < count; t++) {
        pthread_join(threads[t], NULL);
    }
    return cpu_seconds() - cpu;
}

static void receive(struct sockaddr_in *address) {
    latency_cap = (long) (rate * seconds * group) + 4096;
    latencies = malloc(latency_cap * sizeof(double));
    for (int r = 0; r < readers; r++) {
        epolls[r] = epoll_create1(0);
    }
    for (int i = 0; i < n; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || connect(s, (struct sockaddr *) address, sizeof *address) != 0) {
            perror("receiver: connect");
            exit(1);
        }
        fcntl(s, F_SETFL, O_NONBLOCK);
        struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.fd = s};
        epoll_ctl(epolls[i % readers], EPOLL_CTL_ADD, s, &e);
    }
    double cpu = run_threads(read_loop, readers);
    if (latency_count == 0) {
        printf("receiver: nothing received\n");
        exit(1);
    }
    qsort(latencies, latency_count, sizeof(double), by_value);
    printf("receiver (%d thread%s): %ld messages, cpu %.3f s = %.2f us per message; latency ms"
           " p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f\n",
           readers, readers == 1 ? "" : "s", latency_count, cpu, cpu / latency_count * 1e6,
           latencies[latency_count / 2], latencies[(long) (latency_count * .9)],
           latencies[(long) (latency_count * .99)], latencies[(long) (latency_count * .999)],
           latencies[latency_count - 1]);
    exit(0);
}

int main(int argc, char **argv) {
    int opt;
    while ((opt = getopt(argc, argv, "n:g:r:d:b:s:t:u")) != -1) {
        switch (opt) {
            case 'n': n = atoi(optarg); break;
            case 'g': group = atoi(optarg); break;
            case 'r': rate = atof(optarg); break;
            case 'd': seconds = atof(optarg); break;
            case 'b': bytes = atoi(optarg); break;
            case 's': senders = atoi(optarg); break;
            case 't': readers = atoi(optarg); break;
            case 'u': uring = 1; break;
            default:
                fprintf(stderr, "usage: floor [-n connections] [-g per publication] [-r publications/s]"
                                " [-d seconds] [-b bytes] [-s sender threads] [-t receiver threads] [-u]\n");
                return 2;
        }
    }
#ifndef WITH_URING
    if (uring) {
        fprintf(stderr, "floor: built without liburing; -u is not available\n");
        return 2;
    }
#endif
    if (group < 1 || group > n || bytes < (int) sizeof(double) || senders < 1 || senders > 64
            || readers < 1 || readers > 64) {
        fprintf(stderr, "floor: need 1 <= group <= connections, bytes >= 8, 1..64 threads\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *) &address, sizeof address) != 0 || listen(listener, 4096) != 0
            || getsockname(listener, (struct sockaddr *) &address, &length) != 0) {
        perror("floor: listen");
        return 1;
    }
    fflush(stdout);
    pid_t receiver = fork();
    if (receiver == 0) {
        receive(&address);
    }
    fds = malloc(n * sizeof(int));
    int one = 1;
    for (int i = 0; i < n; i++) {
        fds[i] = accept(listener, NULL, NULL);
        if (fds[i] < 0) {
            perror("floor: accept (raise ulimit -n?)");
            kill(receiver, SIGKILL);
            return 1;
        }
        setsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
    }
    sleep(1);
    start = now() + 0.1;
    double cpu = run_threads(send_loop, senders);
    long expected = (long) (rate * seconds) * group;
    printf("sender: %d connections, %d per publication, %.0f publications/s, %d thread%s, %s: %ld of %ld sends"
           " whole, cpu %.3f s = %.2f us per send\n",
           n, group, rate, senders, senders == 1 ? "" : "s", uring ? "io_uring" : "send()", total_sent,
           expected, cpu, cpu / total_sent * 1e6);
    fflush(stdout);
    int status;
    waitpid(receiver, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
