/*
 * The io_uring fan-out send path of dev.herald.transport.UringSender: one io_uring_enter for a
 * batch of sends to many sockets, where the epoll path makes one send() system call per socket.
 *
 * Raw system calls rather than liburing, so that building it needs only a C compiler and the
 * kernel's UAPI headers. A ring belongs to one event loop thread: nothing here is locked.
 *
 * A batch is an array of 16-byte entries the Java side fills: the address of the bytes (8), the
 * socket (4) and the length (4). Every send carries MSG_DONTWAIT, so the kernel tries it once, at
 * submission, and completes it at once with what the socket took: bytes, -EAGAIN when its buffer
 * is full, or another -errno. The result replaces the entry's length.
 */
#include <errno.h>
#include <jni.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct entry {
    uint64_t address;
    int32_t fd;
    int32_t length; /* in: bytes to send; out: the send's result */
};

struct ring {
    int fd;
    unsigned entries;
    unsigned *sq_tail;
    unsigned *sq_mask;
    unsigned *sq_array;
    struct io_uring_sqe *sqes;
    unsigned *cq_head;
    unsigned *cq_tail;
    unsigned *cq_mask;
    struct io_uring_cqe *cqes;
    void *sq_map;
    size_t sq_map_size;
    void *cq_map;
    size_t cq_map_size;
    size_t sqes_size;
};

static void release(struct ring *r) {
    if (r->sqes != NULL && r->sqes != MAP_FAILED) munmap(r->sqes, r->sqes_size);
    if (r->cq_map != NULL && r->cq_map != MAP_FAILED && r->cq_map != r->sq_map) munmap(r->cq_map, r->cq_map_size);
    if (r->sq_map != NULL && r->sq_map != MAP_FAILED) munmap(r->sq_map, r->sq_map_size);
    if (r->fd >= 0) close(r->fd);
    free(r);
}

/* A ring of at least `entries` submissions; a pointer, or -errno. */
JNIEXPORT jlong JNICALL Java_dev_herald_transport_UringSender_open0(JNIEnv *env, jclass cls, jint entries) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    struct ring *r = calloc(1, sizeof *r);
    if (r == NULL) return -ENOMEM;
    r->fd = (int) syscall(__NR_io_uring_setup, (unsigned) entries, &p);
    if (r->fd < 0) {
        int e = errno;
        free(r);
        return -e;
    }
    r->entries = p.sq_entries;
    r->sq_map_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    r->cq_map_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) {
        if (r->cq_map_size > r->sq_map_size) r->sq_map_size = r->cq_map_size;
        r->cq_map_size = r->sq_map_size;
    }
    r->sq_map = mmap(NULL, r->sq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
                     IORING_OFF_SQ_RING);
    if (r->sq_map == MAP_FAILED) goto failed;
    r->cq_map = single ? r->sq_map
                       : mmap(NULL, r->cq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                              r->fd, IORING_OFF_CQ_RING);
    if (r->cq_map == MAP_FAILED) goto failed;
    r->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = mmap(NULL, r->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
                   IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) goto failed;
    char *sq = r->sq_map;
    char *cq = r->cq_map;
    r->sq_tail = (unsigned *) (sq + p.sq_off.tail);
    r->sq_mask = (unsigned *) (sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *) (sq + p.sq_off.array);
    r->cq_head = (unsigned *) (cq + p.cq_off.head);
    r->cq_tail = (unsigned *) (cq + p.cq_off.tail);
    r->cq_mask = (unsigned *) (cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *) (cq + p.cq_off.cqes);
    return (jlong) (intptr_t) r;
failed: {
    int e = errno;
    release(r);
    return -e;
}
}

JNIEXPORT jint JNICALL Java_dev_herald_transport_UringSender_capacity0(JNIEnv *env, jclass cls, jlong ring) {
    return (jint) ((struct ring *) (intptr_t) ring)->entries;
}

/* Takes every completion there is; returns how many. */
static int reap(struct ring *r, struct entry *batch, int n) {
    unsigned head = *r->cq_head;
    unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    int seen = 0;
    while (head != tail) {
        struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
        if (cqe->user_data < (uint64_t) n) batch[cqe->user_data].length = cqe->res;
        head++;
        seen++;
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
    return seen;
}

/*
 * Sends the batch's n entries (n <= the ring's capacity) and waits for all of them; 0, or -errno
 * when the ring failed (entries without a result keep INT_MIN; the ring must not be used again).
 */
JNIEXPORT jint JNICALL Java_dev_herald_transport_UringSender_submit0(JNIEnv *env, jclass cls, jlong ring,
                                                                     jlong address, jint n) {
    struct ring *r = (struct ring *) (intptr_t) ring;
    struct entry *batch = (struct entry *) (intptr_t) address;
    if (n <= 0) return 0;
    if ((unsigned) n > r->entries) return -EINVAL;
    unsigned tail = *r->sq_tail; /* only this thread moves it */
    unsigned mask = *r->sq_mask;
    for (int i = 0; i < n; i++) {
        unsigned index = tail & mask;
        struct io_uring_sqe *sqe = &r->sqes[index];
        memset(sqe, 0, sizeof *sqe);
        sqe->opcode = IORING_OP_SEND;
        sqe->fd = batch[i].fd;
        sqe->addr = batch[i].address;
        sqe->len = (unsigned) batch[i].length;
        sqe->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
        sqe->user_data = (uint64_t) i;
        batch[i].length = INT_MIN;
        r->sq_array[index] = index;
        tail++;
    }
    __atomic_store_n(r->sq_tail, tail, __ATOMIC_RELEASE);
    int submitted = 0;
    int done = 0;
    while (done < n) {
        int ret = (int) syscall(__NR_io_uring_enter, r->fd, (unsigned) (n - submitted), (unsigned) (n - done),
                                IORING_ENTER_GETEVENTS, NULL, 0);
        if (ret < 0) {
            int e = errno;
            if (e != EINTR && e != EAGAIN && e != EBUSY) return -e;
        } else {
            submitted += ret;
        }
        done += reap(r, batch, n);
    }
    return 0;
}

JNIEXPORT void JNICALL Java_dev_herald_transport_UringSender_close0(JNIEnv *env, jclass cls, jlong ring) {
    release((struct ring *) (intptr_t) ring);
}
