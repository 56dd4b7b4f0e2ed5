/*
 * weaken-version FILE VERSION: marks the version requirement VERSION (for example GLIBCXX_3.4.32)
 * of the ELF shared object FILE as weak (VER_FLG_WEAK), in place. The dynamic loader then accepts
 * a libstdc++ that lacks the version, and resolves the symbols that need it from any loaded
 * library that defines them with that version (the shim). Exit 0 when marked or already weak,
 * 3 when FILE does not require VERSION, 1 on error.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    if (argc != 3)
    {
        fprintf(stderr, "usage: weaken-version FILE VERSION\n");
        return 1;
    }

    int fd = open(argv[1], O_RDWR);
    if (fd < 0) { perror(argv[1]); return 1; }
    struct stat st;
    if (fstat(fd, &st) != 0) { perror("fstat"); return 1; }
    unsigned char* base = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) { perror("mmap"); return 1; }
    Elf64_Ehdr* eh = (Elf64_Ehdr*)base;
    if ((size_t)st.st_size < sizeof(Elf64_Ehdr) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
    {
        fprintf(stderr, "%s: not a 64-bit ELF file\n", argv[1]);
        return 1;
    }

    Elf64_Shdr* sections = (Elf64_Shdr*)(base + eh->e_shoff);
    int result = 3;
    for (int i = 0; i < eh->e_shnum; i++)
    {
        Elf64_Shdr* verneed = &sections[i];
        if (verneed->sh_type != SHT_GNU_verneed) continue;
        const char* strings = (const char*)(base + sections[verneed->sh_link].sh_offset);
        unsigned char* entry = base + verneed->sh_offset;
        for (Elf64_Word n = 0; n < verneed->sh_info; n++)
        {
            Elf64_Verneed* need = (Elf64_Verneed*)entry;
            unsigned char* auxp = entry + need->vn_aux;
            for (Elf64_Half a = 0; a < need->vn_cnt; a++)
            {
                Elf64_Vernaux* aux = (Elf64_Vernaux*)auxp;
                if (strcmp(strings + aux->vna_name, argv[2]) == 0)
                {
                    aux->vna_flags |= VER_FLG_WEAK;
                    result = 0;
                }
                auxp += aux->vna_next;
            }
            entry += need->vn_next;
        }
    }

    if (msync(base, (size_t)st.st_size, MS_SYNC) != 0) { perror("msync"); return 1; }
    munmap(base, (size_t)st.st_size);
    close(fd);
    return result;
}
