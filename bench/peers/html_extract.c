/* HTML -> text with libxml2's DOM, the peer of Sluice's extractor:
 *   html_extract LIST_FILE
 * Reads every file named in LIST_FILE into memory first, then, timed, parses each with
 * htmlReadMemory (recover mode, huge documents allowed) and walks the tree collecting the
 * text nodes (script and style skipped) with whitespace runs collapsed to one space.
 * Prints `docs=N bytes=B text_bytes=T seconds=S cpu_seconds=C` (wall and process CPU time). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

struct Buffer {
  char* data;
  size_t size, cap;
};

static void Append(struct Buffer* b, const char* s, size_t n) {
  if (b->size + n + 1 > b->cap) {
    while (b->size + n + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 1 << 20;
    b->data = realloc(b->data, b->cap);
    if (!b->data) abort();
  }
  memcpy(b->data + b->size, s, n);
  b->size += n;
}

/* Appends `text` with whitespace runs (also across nodes) collapsed to one space. */
static void AppendCollapsed(struct Buffer* b, const unsigned char* text) {
  for (const unsigned char* p = text; *p; ++p) {
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f') {
      if (b->size > 0 && b->data[b->size - 1] != ' ') Append(b, " ", 1);
    } else {
      Append(b, (const char*)p, 1);
    }
  }
}

static void Walk(xmlNode* node, struct Buffer* out) {
  for (; node; node = node->next) {
    if (node->type == XML_ELEMENT_NODE) {
      if (xmlStrcasecmp(node->name, BAD_CAST "script") == 0 ||
          xmlStrcasecmp(node->name, BAD_CAST "style") == 0) {
        continue;
      }
      Walk(node->children, out);
      if (out->size > 0 && out->data[out->size - 1] != ' ') Append(out, " ", 1);
    } else if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      if (node->content) AppendCollapsed(out, node->content);
    }
  }
}

static char* ReadFile(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char* data = malloc(n > 0 ? (size_t)n : 1);
  if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
    fclose(f);
    free(data);
    return NULL;
  }
  fclose(f);
  *size = (size_t)n;
  return data;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: html_extract LIST_FILE\n");
    return 2;
  }
  FILE* list = fopen(argv[1], "r");
  if (!list) {
    fprintf(stderr, "html_extract: cannot open %s\n", argv[1]);
    return 1;
  }
  size_t count = 0, cap = 0;
  char** docs = NULL;
  size_t* sizes = NULL;
  char line[4096];
  while (fgets(line, sizeof line, list)) {
    line[strcspn(line, "\n")] = 0;
    if (!line[0]) continue;
    if (count == cap) {
      cap = cap ? cap * 2 : 1024;
      docs = realloc(docs, cap * sizeof *docs);
      sizes = realloc(sizes, cap * sizeof *sizes);
    }
    docs[count] = ReadFile(line, &sizes[count]);
    if (!docs[count]) {
      fprintf(stderr, "html_extract: cannot read %s\n", line);
      return 1;
    }
    ++count;
  }
  fclose(list);
  xmlInitParser();
  struct Buffer text = {0};
  unsigned long long bytes = 0, text_bytes = 0;
  struct timespec t0, t1, c0, c1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  for (size_t i = 0; i < count; ++i) {
    htmlDocPtr doc = htmlReadMemory(docs[i], (int)sizes[i], NULL, NULL,
                                    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_NONET | XML_PARSE_HUGE);
    text.size = 0;
    if (doc) {
      Walk(xmlDocGetRootElement(doc), &text);
      xmlFreeDoc(doc);
    }
    bytes += sizes[i];
    text_bytes += text.size;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  double cpu_seconds = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
  printf("docs=%zu bytes=%llu text_bytes=%llu seconds=%.6f cpu_seconds=%.6f\n", count, bytes,
         text_bytes, seconds, cpu_seconds);
  xmlCleanupParser();
  return 0;
}
