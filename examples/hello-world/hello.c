/*
 * hello: the program in berth's hello-world image. Built static (gcc -static -Os -s) so the
 * image needs nothing but this one file: FROM scratch / COPY hello / / CMD ["/hello"].
 */
#include <stdio.h>

int main(void)
{
	fputs("\n"
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
	      "\n", stdout);
	return 0;
}
