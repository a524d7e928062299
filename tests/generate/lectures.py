"""Lecture notes written for these tests (no third-party text): pages as a parser would store them."""

from __future__ import annotations

from aksio.models import SectionInput

# As a PDF gives it: lines broken mid-sentence, a word hyphenated at a line end, a running header, a page number.
OS_PAGE_1 = """CS 162 Operating Systems                                   Lecture 7
Memory Management

Paging

Paging is a memory-management scheme that removes the need for contiguous alloca-
tion of physical memory. The operating system divides physical memory into fixed-size
blocks called frames and logical memory into blocks of the same size called pages.

A page table maps each virtual page number to a physical frame number. Every process has
its own page table, and the kernel switches page tables on every context switch.
The Translation Lookaside Buffer (TLB) is a small hardware cache of recent address
translations. A TLB miss forces the hardware to walk the page table in memory.

The working set of a process refers to the set of pages it has used in the most recent
time window. Thrashing occurs when the combined working sets of all processes do not fit
in physical memory, so the system spends most of its time moving pages to and from disk.
7
"""

OS_PAGE_2 = """Page Replacement

When a page fault occurs and no frame is free, the kernel must evict a page. Belady's
anomaly, also called the FIFO anomaly, is the surprising case where adding frames raises the
number of page faults.

Least Recently Used (LRU) evicts the page whose last access lies furthest in the past.
The clock algorithm approximates LRU with a single reference bit per frame, because exact LRU
would need a timestamp on every memory access.
A dirty bit records whether a page was modified; only dirty pages must be written back to disk.

Modern x86-64 processors use four levels of page tables, and a page is usually 4 KB in size.
Huge pages of 2 MB reduce the number of TLB entries a large program needs.
8
"""

BIOLOGY_PAGE = """## The Cell

The cell is the basic structural and functional unit of all living organisms.
The **nucleus** is a membrane-bound organelle that contains the cell's genetic material.
**Mitochondria** are the organelles responsible for producing most of the cell's ATP through
cellular respiration. Adenosine triphosphate (ATP) is the main energy currency of the cell.

Ribosomes are molecular machines that assemble proteins from amino acids. The endoplasmic
reticulum (ER) is a network of membranes; the rough ER is studded with ribosomes, while the smooth
ER makes lipids. The **Golgi apparatus** modifies, sorts and packages proteins for secretion.

Osmosis refers to the movement of water across a semipermeable membrane from a region of low
solute concentration to a region of high solute concentration. **Diffusion** is the net movement
of particles from a region of higher concentration to a region of lower concentration.

Photosynthesis: the process by which plants turn light energy into chemical energy.
Chloroplasts are the organelles where photosynthesis takes place, and they contain chlorophyll.
The human body contains about 37 trillion cells, and red blood cells are the most common type.
"""

ECONOMICS_PAGE = """# Lecture 3: Markets

Opportunity cost is the value of the best alternative given up when a choice is made.
We define a market as a place where buyers and sellers exchange goods or services.
Gross domestic product (GDP) is the total value of final goods and services produced in a
country in one year.

Demand refers to the quantity of a good that consumers are willing and able to buy at each price.
The law of demand states that quantity demanded falls as the price rises, because buyers switch
to cheaper substitutes. A price ceiling is a legal maximum on the price of a good; when it is set
below the equilibrium price it causes a shortage.

Inflation means a sustained rise in the general price level. The central bank, also called the
monetary authority, controls the supply of money. Elasticity measures how strongly quantity
responds to a change in price.

Table of contents ........ 4
int main() { return 0; }
"""

CHINESE_PAGE = """第三讲 细胞生物学

细胞是生物体结构和功能的基本单位。细胞核是储存遗传物质的细胞器，控制着细胞的生长和分裂。
线粒体是细胞进行有氧呼吸的主要场所，被称为细胞的“动力工厂”。
光合作用是指绿色植物利用光能把二氧化碳和水合成有机物的过程。
渗透指水分子通过半透膜从低浓度溶液向高浓度溶液扩散的现象。
核糖体是合成蛋白质的场所，由核糖核酸和蛋白质组成。
"""


def section(title: str, *pages: str, first_page: int = 1) -> SectionInput:
    return SectionInput(
        document_id="doc-" + title.lower().replace(" ", "-"),
        document_title=title,
        section_id=None,
        section_title=title,
        pages=[(first_page + i, text) for i, text in enumerate(pages)],
    )


def os_section() -> SectionInput:
    return section("Memory", OS_PAGE_1, OS_PAGE_2, first_page=7)


def biology_section() -> SectionInput:
    return section("The Cell", BIOLOGY_PAGE)


def economics_section() -> SectionInput:
    return section("Markets", ECONOMICS_PAGE)


def chinese_section() -> SectionInput:
    return section("细胞生物学", CHINESE_PAGE)


def all_sections() -> list[SectionInput]:
    return [os_section(), biology_section(), economics_section(), chinese_section()]


# A slide deck as a PDF gives it: a running header and footer on every slide, slide numbers, an agenda slide
# listing the other slides' titles, a title continued with "(cont.)", reference lines, words hyphenated at a line
# end (one that is a word when joined, one that keeps its hyphen).
NET_SLIDES = [
    """CS 240 Computer Networks                    Lecture 4
Agenda
Transport Layer
Congestion Control
Congestion Control (cont.)
Summary
Prof. Example · Fall 2026
2
""",
    """CS 240 Computer Networks                    Lecture 4
Transport Layer

A transport protocol delivers data between processes running on different hosts.
The Transmission Control Protocol (TCP) provides reliable, in-order delivery of a byte stream.
The sender numbers every byte, and the receiver acknowledges the bytes it has received in
order, so that lost segments can be detected and sent again by the sender-
side timer.
See also: Transmission Control Protocol, Wikipedia.
Prof. Example · Fall 2026
3
""",
    """CS 240 Computer Networks                    Lecture 4
Congestion Control

Congestion control keeps senders from overwhelming the routers between them. The congestion
window limits how many unacknowledged bytes a sender may have in flight at any moment.
Slow start doubles the congestion window every round trip until the first loss is detected by
the sender's retransmission pro-
cess.
Prof. Example · Fall 2026
4
""",
    """CS 240 Computer Networks                    Lecture 4
Congestion Control (cont.)

Additive increase raises the window by one segment per round trip when no loss is seen.
Multiplicative decrease halves the congestion window whenever the sender detects a loss.
Reference: J. Example, Networks Explained, 2nd ed., 2019.
Prof. Example · Fall 2026
5
""",
    """CS 240 Computer Networks                    Lecture 4
Summary

TCP trades some latency for reliability, and congestion control shares a bottleneck link
fairly among the flows that cross it.
Prof. Example · Fall 2026
6
""",
]

OS_SLIDES_ZH = [
    """操作系统原理 第五讲
目录
进程与线程
进程调度
进程调度（续）
第 1 页
""",
    """操作系统原理 第五讲
进程与线程

进程是程序在一个数据集合上的一次执行过程。线程是处理器调度的基本单位。
同一进程中的线程共享进程的地址空间和打开的文件。
参见：维基百科“线程”条目。
第 2 页
""",
    """操作系统原理 第五讲
进程调度

调度器决定下一个在处理器上运行的进程。时间片轮转调度让每个就绪进程轮流运行一个时间片。
第 3 页
""",
    """操作系统原理 第五讲
进程调度（续）

优先级调度总是先运行优先级最高的就绪进程。长时间等待的进程可能发生饥饿。
第 4 页
""",
]


def pages_section(title: str, pages: list[str], first_page: int = 1) -> SectionInput:
    return section(title, *pages, first_page=first_page)


def network_slides() -> SectionInput:
    return pages_section("Transport", NET_SLIDES, first_page=2)


def chinese_slides() -> SectionInput:
    return pages_section("进程", OS_SLIDES_ZH)


# 是 inside ordinary words (还是, 就是, 也是, 可是, 于是, 但是, 总是, 只是, 不是), pronouns and a section title before
# 是, and sentences that open with a word needing the sentence before (因此, 这, 它, 但是).
MEMORY_PAGE_ZH = """第四章 存储管理

页表是记录虚拟页号与物理页框号对应关系的数据结构。死锁是指一组进程都在等待其他进程释放资源的状态。
第四章是本课程最难的一部分，需要多做练习。
这是操作系统课程中非常重要的一个概念，考试经常出现。
它还是一个需要硬件支持的机制，因为地址转换发生在每一次访存时。
缺页中断就是访问的页面不在内存中时产生的中断，由操作系统负责处理。
交换区也是磁盘上专门用来存放换出页面的一块区域。
可是当物理内存不足时，系统只好把一些页面换出到磁盘上。
于是系统把最近最少使用的页面换出，腾出一个空闲的页框。
但是频繁的换入换出会导致系统性能急剧下降。
访问时间总是取决于快表的命中率，命中率越高越快。
因此快表的容量虽然很小，却能显著减少访存次数。
快表不是内存的一部分，而是处理器中的一块高速缓存。
"""

# Openers that need the sentence before, a term that is a slide number, everyday headings.
SCHEDULING_PAGE = """Lecture 9

Scheduling

Overview

A scheduler is the part of the kernel that decides which ready thread runs next on the processor.
Round-robin scheduling gives every ready thread a fixed time slice called a quantum in turn.
Otherwise the scheduler would let one long thread hold the processor for its whole burst.
This prevents a single thread from starving the others of processor time.
However, a very short quantum wastes processor time on context switches between threads.
It also increases the number of cache misses after every context switch.
Therefore the quantum is usually chosen between 10 and 100 milliseconds in practice.
Priority scheduling always runs the ready thread with the highest priority first.
Aging raises the priority of threads that have waited a long time, so they are not starved.

Summary

9
"""


def chinese_memory_section() -> SectionInput:
    return section("存储管理", MEMORY_PAGE_ZH)


def scheduling_section() -> SectionInput:
    return section("Scheduling", SCHEDULING_PAGE)
