// glibc's malloc controls (mallopt, malloc_trim), for the batch commands' memory (App/Core/BatchMemory.swift).
#if __has_include(<malloc.h>) && defined(__linux__)
#include <malloc.h>
#endif
