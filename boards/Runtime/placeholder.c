// see startup.c
