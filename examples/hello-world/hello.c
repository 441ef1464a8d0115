/*
 * hello: the program in berth's hello-world image. It is freestanding (no libc: a raw write(2)
 * and exit(2)) and static, so the image is one file of a few kB:
 *   FROM scratch / COPY hello / / CMD ["/hello"]
 * Build: gcc -static -nostdlib -Os -s -fno-asynchronous-unwind-tables -Wl,--build-id=none -o hello hello.c
 */

static const char message[] =
	"\n"
	"Hello from berth!\n"
	"This message shows that your installation appears to be working correctly.\n"
	"\n"
	"To generate this message, berth took the following steps:\n"
	" 1. The berth client contacted the berth daemon.\n"
	" 2. The daemon built or pulled the \"hello\" image.\n"
	" 3. The daemon created a new container from that image which runs the\n"
	"    executable that produced the output you are currently reading.\n"
	" 4. The daemon streamed that output to the berth client, which sent it\n"
	"    to your terminal.\n"
	"\n"
	"The real docker CLI works too:\n"
	" $ DOCKER_HOST=unix:///run/berth/berth.sock docker run --rm hello\n"
	"\n";

#if defined(__x86_64__)
static long sys3(long n, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}
#define SYS_WRITE 1
#define SYS_EXIT 60
#elif defined(__aarch64__)
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}
#define SYS_WRITE 64
#define SYS_EXIT 93
#else
#error "hello.c supports x86_64 and aarch64"
#endif

void _start(void)
{
	long done = 0, len = sizeof(message) - 1;
	while (done < len) {
		long n = sys3(SYS_WRITE, 1, (long)(message + done), len - done);
		if (n <= 0)
			sys3(SYS_EXIT, 1, 0, 0);
		done += n;
	}
	sys3(SYS_EXIT, 0, 0, 0);
	for (;;) {
	}
}
