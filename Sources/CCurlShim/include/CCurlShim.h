#ifndef CCURLSHIM_H
#define CCURLSHIM_H

#include <curl/curl.h>

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot
// call. One typed function per argument type, as swift-corelibs-foundation's
// CFURLSessionInterface.c does; each returns curl's own code untouched.

typedef size_t (*CCurlReadFunction)(char *buffer, size_t size, size_t count, void *userdata);
typedef size_t (*CCurlWriteFunction)(char *buffer, size_t size, size_t count, void *userdata);
typedef int (*CCurlDebugFunction)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);

CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_setopt_read_function(CURL *handle, CCurlReadFunction function);
CURLcode ccurl_easy_setopt_write_function(CURL *handle, CCurlWriteFunction function);
CURLcode ccurl_easy_setopt_debug_function(CURL *handle, CCurlDebugFunction function);

CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

// Macros Swift does not import as constants.
static inline long ccurl_global_all(void) { return CURL_GLOBAL_ALL; }
static inline CURLoption ccurl_option_mail_rcpt_allowfails(void) {
    // Spelled with three Ls up to curl 8.1; the number (290) never changed.
    return (CURLoption)(CURLOPTTYPE_LONG + 290);
}

#endif
