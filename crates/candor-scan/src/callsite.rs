//! Which C strings an x86-64 ELF executable passes to `getenv`: the call sites, read from
//! the machine code.
//!
//! A compiled `getenv("ACME_TOKEN")` is the string's address loaded into the first
//! argument register and a call to the `getenv` import:
//!
//! ```text
//! 48 8d 3d <rel32>     lea  rdi, [rip + string]    (position-independent code)
//! bf <abs32>           mov  edi, string            (non-PIE)
//! ...                  (a few instructions at most; often none)
//! e8 <rel32>           call getenv@plt             (or e9: a tail call)
//! ff 15 <rel32>        call [rip + getenv@got]     (-fno-plt)
//! ```
//!
//! The import is found through the dynamic relocations (`R_X86_64_JUMP_SLOT` /
//! `GLOB_DAT` against `getenv`, `secure_getenv` or a library's `*_getenv` wrapper give
//! its GOT slot), and the PLT stubs
//! that jump through that slot (`ff 25 <rel32>`, optionally after `endbr64` or with a
//! `bnd` prefix) give the addresses calls go to. The code sections are then searched for
//! the load patterns above followed, within [`MAX_GAP`] bytes, by a call to one of those
//! targets; the loaded address must be the start of a NUL-terminated string in the file.
//! Matching bytes rather than decoding every instruction can in principle pair bytes that
//! are not instructions, but it needs a load of a string's exact start *and* a call to
//! getenv right after it, which arbitrary bytes do not give.
//!
//! The section headers say where the PLT and the code are. A program runs without them
//! (the loader reads only the program headers), so a file whose section headers are
//! missing or corrupt is read through its program headers instead: the dynamic segment's
//! relocations and symbols give the getenv slots, and the executable segments are
//! searched for the stubs and the calls.
//!
//! Anything else (other architectures, PE, Mach-O, Go or Rust binaries that reach
//! `getenv` through their runtime) yields `None`: no call site is proven, and the caller
//! keeps its candidates as candidates.

use std::collections::BTreeSet;

use object::elf::{
    DT_JMPREL, DT_NULL, DT_PLTREL, DT_PLTRELSZ, DT_RELA, DT_RELASZ, DT_STRSZ, DT_STRTAB, DT_SYMENT,
    DT_SYMTAB, Dyn64, EM_X86_64, FileHeader64, PF_X, PT_LOAD, R_X86_64_GLOB_DAT,
    R_X86_64_JUMP_SLOT, Rela64, Sym64,
};
use object::read::elf::{Dyn as _, FileHeader as _, ProgramHeader as _, Rela as _, Sym as _};
use object::{
    Architecture, LittleEndian, Object as _, ObjectSection as _, ObjectSymbol as _,
    ObjectSymbolTable as _, ReadRef as _, RelocationFlags, RelocationTarget, SectionKind,
};

/// Most bytes of code between loading the argument and the call.
pub const MAX_GAP: usize = 24;

/// `jmp [rip + rel32]` (`ff 25`): a PLT stub jumping through a GOT slot.
const JMP_RIP: &[u8] = b"\xff\x25";
/// `call [rip + rel32]` (`ff 15`): a call through a GOT slot (`-fno-plt`).
const CALL_RIP: &[u8] = b"\xff\x15";
/// `endbr64`, which may open a PLT stub (control-flow enforcement).
const ENDBR64: [u8; 4] = [0xf3, 0x0f, 0x1e, 0xfa];
/// The `bnd` prefix, which may stand just before a stub's jump.
const BND: u8 = 0xf2;
/// `lea rdi, [rip + rel32]`: a string's address as the first argument (position-
/// independent code).
const LEA_RDI_RIP: &[u8] = b"\x48\x8d\x3d";
/// `mov edi, imm32`: a string's address as the first argument (non-PIE).
const MOV_EDI_IMM32: u8 = 0xbf;
/// `call rel32`.
const CALL_REL32: u8 = 0xe8;
/// `jmp rel32`: a tail call.
const JMP_REL32: u8 = 0xe9;
/// Bytes of a 32-bit displacement or immediate operand.
const IMM32: usize = 4;
/// Longest C string taken for an argument: far longer than any variable name, short enough
/// that a stray address into data is not read for long.
const MAX_STRING_LEN: usize = 256;

/// Whether an imported function takes an environment variable name as its first
/// argument: `getenv`, `secure_getenv`, and the wrappers libraries export under names
/// ending in `getenv` (`curl_getenv`, `g_getenv`, `SDL_getenv` …).
fn is_getenv(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with("getenv")
}

/// The file offsets of the C strings passed to `getenv` in `bytes`, an x86-64 ELF
/// executable or shared object; `None` when `bytes` is not one or imports no `getenv`.
///
/// The file is read through its section headers; when they do not parse or name no
/// `getenv` import (stripped by `sstrip`, corrupted on purpose: the loader never reads
/// them), through its program headers instead: the dynamic segment gives the relocations
/// and symbols, the executable segments the code and the PLT stubs.
pub fn getenv_arguments(bytes: &[u8]) -> Option<BTreeSet<u64>> {
    let image = Image::from_sections(bytes).or_else(|| Image::from_segments(bytes))?;
    Some(image.getenv_arguments(bytes))
}

/// Bytes of the file at an address: a section or a segment.
#[derive(Debug, Clone, Copy)]
struct Region<'a> {
    address: u64,
    data: &'a [u8],
}

/// Where the addresses of a region are in the file.
#[derive(Debug, Clone, Copy)]
struct Mapping {
    address: u64,
    size: u64,
    /// `None` for a region with no bytes in the file (`.bss`).
    file_offset: Option<u64>,
}

/// What the call-site search needs of an executable, from its sections or its segments.
#[derive(Debug)]
struct Image<'a> {
    /// Machine code.
    code: Vec<Region<'a>>,
    /// Where PLT stubs may be.
    stubs: Vec<Region<'a>>,
    /// Address to file offset, first match wins.
    mappings: Vec<Mapping>,
    /// The GOT slots bound to getenv.
    slots: BTreeSet<u64>,
}

impl<'a> Image<'a> {
    /// Through the section headers: `.plt*` sections hold the stubs, text sections the
    /// code. `None` unless an x86-64 ELF file whose sections name a getenv import.
    fn from_sections(bytes: &'a [u8]) -> Option<Self> {
        let file = object::File::parse(bytes).ok()?;
        if file.architecture() != Architecture::X86_64 || file.format() != object::BinaryFormat::Elf
        {
            return None;
        }
        let slots = getenv_slots(&file)?;
        let stubs = file
            .sections()
            .filter(|s| s.name().unwrap_or_default().starts_with(".plt"))
            .filter_map(|s| region(&s))
            .collect();
        let code = file
            .sections()
            .filter(|s| s.kind() == SectionKind::Text)
            .filter_map(|s| region(&s))
            .collect();
        let mappings = file
            .sections()
            .map(|s| Mapping {
                address: s.address(),
                size: s.size(),
                file_offset: s.file_range().map(|(offset, _)| offset),
            })
            .collect();
        Some(Self {
            code,
            stubs,
            mappings,
            slots,
        })
    }

    /// Through the program headers, as the loader reads the file: the executable
    /// `PT_LOAD` segments hold the code and the stubs, and the dynamic segment
    /// (`PT_DYNAMIC`) the relocations and symbols that bind GOT slots to getenv. `None`
    /// unless a 64-bit little-endian x86-64 ELF file with a getenv import.
    fn from_segments(bytes: &'a [u8]) -> Option<Self> {
        let header = FileHeader64::<LittleEndian>::parse(bytes).ok()?;
        if !header.is_little_endian() || header.e_machine(LittleEndian) != EM_X86_64 {
            return None;
        }
        let segments = header.program_headers(LittleEndian, bytes).ok()?;
        let mut code = Vec::new();
        let mut mappings = Vec::new();
        for segment in segments
            .iter()
            .filter(|p| p.p_type(LittleEndian) == PT_LOAD)
        {
            let (offset, size) = segment.file_range(LittleEndian);
            let address = segment.p_vaddr(LittleEndian);
            mappings.push(Mapping {
                address,
                size,
                file_offset: Some(offset),
            });
            if segment.p_flags(LittleEndian) & PF_X != 0
                && let Some(data) = bytes.read_bytes_at(offset, size).ok()
                && fits(address, data)
            {
                code.push(Region { address, data });
            }
        }
        let dynamic = segments
            .iter()
            .find_map(|p| p.dynamic(LittleEndian, bytes).ok().flatten())?;
        let slots = dynamic_getenv_slots(bytes, dynamic, &mappings)?;
        Some(Self {
            stubs: code.clone(),
            code,
            mappings,
            slots,
        })
    }

    /// The search itself: see the module documentation.
    fn getenv_arguments(&self, bytes: &[u8]) -> BTreeSet<u64> {
        // Where calls to getenv land: PLT stubs that jump through a getenv slot.
        let mut targets: BTreeSet<u64> = BTreeSet::new();
        for &Region { address, data } in &self.stubs {
            for at in memchr::memmem::find_iter(data, JMP_RIP) {
                let disp = at + JMP_RIP.len();
                let Some(slot) = rip_relative(data, address, disp, disp + IMM32) else {
                    continue;
                };
                if self.slots.contains(&slot) {
                    // The stub starts at the jump, or at the endbr64 / bnd prefix before it.
                    let mut start = at;
                    if at >= ENDBR64.len() && data[at - ENDBR64.len()..at] == ENDBR64 {
                        start = at - ENDBR64.len();
                    } else if at >= 1 && data[at - 1] == BND {
                        start = at - 1;
                    }
                    targets.insert(address + start as u64);
                    targets.insert(address + at as u64);
                }
            }
        }
        let mut strings = BTreeSet::new();
        for &Region { address, data } in &self.code {
            for (load_end, string) in argument_loads(data, address) {
                if calls_getenv(data, address, load_end, &targets, &self.slots)
                    && let Some(offset) = self.string_offset(bytes, string)
                {
                    strings.insert(offset);
                }
            }
        }
        strings
    }

    /// The file offset of the string at virtual address `va`, if a region maps it and
    /// the bytes there are a NUL-terminated string of printable ASCII.
    fn string_offset(&self, bytes: &[u8], va: u64) -> Option<u64> {
        let mapping = self
            .mappings
            .iter()
            .find(|m| m.address <= va && va - m.address < m.size)?;
        let offset = mapping.file_offset?.checked_add(va - mapping.address)?;
        let tail = bytes.get(usize::try_from(offset).ok()?..)?;
        let len = memchr::memchr(0, &tail[..tail.len().min(MAX_STRING_LEN)])?;
        (len > 0 && tail[..len].iter().all(u8::is_ascii_graphic)).then_some(offset)
    }
}

/// A section's bytes, if they end inside the address space (see [`fits`]).
fn region<'a>(section: &object::Section<'a, '_>) -> Option<Region<'a>> {
    let data = section.data().ok()?;
    let address = section.address();
    fits(address, data).then_some(Region { address, data })
}

/// The GOT slots the dynamic segment's relocations (`DT_JMPREL`, `DT_RELA`) bind to a
/// getenv symbol; `None` if there are none. Table addresses are mapped to file offsets
/// through `mappings` (the `PT_LOAD` segments); whatever does not read is ignored.
fn dynamic_getenv_slots(
    bytes: &[u8],
    dynamic: &[Dyn64<LittleEndian>],
    mappings: &[Mapping],
) -> Option<BTreeSet<u64>> {
    let mut tags = std::collections::BTreeMap::new();
    for entry in dynamic {
        let tag = entry.d_tag(LittleEndian);
        if tag == u64::from(DT_NULL) {
            break;
        }
        tags.entry(tag).or_insert(entry.d_val(LittleEndian));
    }
    let tag = |t: u32| tags.get(&u64::from(t)).copied();
    let file_offset = |va: u64| {
        mappings.iter().find_map(|m| {
            let inside = va.checked_sub(m.address).filter(|d| *d < m.size)?;
            m.file_offset?.checked_add(inside)
        })
    };
    let symbols = file_offset(tag(DT_SYMTAB)?)?;
    let strings = file_offset(tag(DT_STRTAB)?)?;
    let strings = bytes.get(usize::try_from(strings).ok()?..)?;
    let strings = &strings[..strings
        .len()
        .min(usize::try_from(tag(DT_STRSZ).unwrap_or(u64::MAX)).unwrap_or(usize::MAX))];
    let symbol_size = tag(DT_SYMENT).unwrap_or(size_of::<Sym64<LittleEndian>>() as u64);
    let mut tables = Vec::new();
    if tag(DT_PLTREL) == Some(u64::from(DT_RELA)) {
        tables.extend(tag(DT_JMPREL).zip(tag(DT_PLTRELSZ)));
    }
    tables.extend(tag(DT_RELA).zip(tag(DT_RELASZ)));
    let mut slots = BTreeSet::new();
    for (address, size) in tables {
        let Some(offset) = file_offset(address) else {
            continue;
        };
        let Ok(count) = usize::try_from(size / size_of::<Rela64<LittleEndian>>() as u64) else {
            continue;
        };
        let Ok(relocations) = bytes.read_slice_at::<Rela64<LittleEndian>>(offset, count) else {
            continue;
        };
        for relocation in relocations {
            let r_type = relocation.r_type(LittleEndian, false);
            if r_type != R_X86_64_JUMP_SLOT && r_type != R_X86_64_GLOB_DAT {
                continue;
            }
            let name = u64::from(relocation.r_sym(LittleEndian, false))
                .checked_mul(symbol_size)
                .and_then(|at| symbols.checked_add(at))
                .and_then(|at| bytes.read_at::<Sym64<LittleEndian>>(at).ok())
                .and_then(|symbol| {
                    let tail =
                        strings.get(usize::try_from(symbol.st_name(LittleEndian)).ok()?..)?;
                    let len = memchr::memchr(0, tail)?;
                    std::str::from_utf8(&tail[..len]).ok()
                });
            if name.is_some_and(is_getenv) {
                slots.insert(relocation.r_offset(LittleEndian));
            }
        }
    }
    (!slots.is_empty()).then_some(slots)
}

/// Whether a section's bytes at `address` end inside the address space (a damaged or
/// hostile header may place them past 2^64; such a section is not read), so that
/// `address + offset` cannot overflow for any offset into `data`.
fn fits(address: u64, data: &[u8]) -> bool {
    u64::try_from(data.len())
        .ok()
        .and_then(|len| address.checked_add(len))
        .is_some()
}

/// The GOT slots bound to getenv; `None` if there are none.
fn getenv_slots(file: &object::File<'_>) -> Option<BTreeSet<u64>> {
    let symbols = file.dynamic_symbol_table()?;
    let mut slots = BTreeSet::new();
    for (slot, relocation) in file.dynamic_relocations()? {
        let RelocationTarget::Symbol(index) = relocation.target() else {
            continue;
        };
        let kind_ok = matches!(
            relocation.flags(),
            RelocationFlags::Elf { r_type } if r_type == R_X86_64_JUMP_SLOT || r_type == R_X86_64_GLOB_DAT
        );
        let named = symbols
            .symbol_by_index(index)
            .ok()
            .and_then(|s| s.name().ok().map(is_getenv))
            .unwrap_or(false);
        if kind_ok && named {
            slots.insert(slot);
        }
    }
    (!slots.is_empty()).then_some(slots)
}

/// The address a RIP-relative operand points at: its `rel32` sits at `data[disp..]` and
/// the instruction ends at `data[end]`.
fn rip_relative(data: &[u8], address: u64, disp: usize, end: usize) -> Option<u64> {
    let rel = i32::from_le_bytes(data.get(disp..disp + IMM32)?.try_into().ok()?);
    address
        .checked_add(u64::try_from(end).ok()?)?
        .checked_add_signed(i64::from(rel))
}

/// Every `lea rdi, [rip+rel32]` and `mov edi, imm32` in `code`: where the instruction
/// ends and the address it loads.
fn argument_loads(code: &[u8], address: u64) -> Vec<(usize, u64)> {
    let mut loads = Vec::new();
    for at in memchr::memmem::find_iter(code, LEA_RDI_RIP) {
        let disp = at + LEA_RDI_RIP.len();
        if let Some(target) = rip_relative(code, address, disp, disp + IMM32) {
            loads.push((disp + IMM32, target));
        }
    }
    for at in memchr::memchr_iter(MOV_EDI_IMM32, code) {
        if let Some(imm) = code.get(at + 1..at + 1 + IMM32) {
            let imm = u32::from_le_bytes(imm.try_into().unwrap_or_default());
            loads.push((at + 1 + IMM32, u64::from(imm)));
        }
    }
    loads
}

/// Whether the first call after `from` (within [`MAX_GAP`] bytes, before any other
/// argument load) is a call or tail call to getenv. A call elsewhere first means the
/// loaded string was that function's argument.
fn calls_getenv(
    code: &[u8],
    address: u64,
    from: usize,
    targets: &BTreeSet<u64>,
    slots: &BTreeSet<u64>,
) -> bool {
    let code_range = address..address + code.len() as u64;
    let to = (from + MAX_GAP).min(code.len());
    for at in from..to {
        let rest = &code[at..];
        if rest.starts_with(LEA_RDI_RIP) || rest.first() == Some(&MOV_EDI_IMM32) {
            return false;
        }
        match rest.first() {
            Some(&(CALL_REL32 | JMP_REL32)) => {
                let Some(target) = rip_relative(code, address, at + 1, at + 1 + IMM32) else {
                    continue;
                };
                if targets.contains(&target) {
                    return true;
                }
                // A call into this code (not a byte inside another instruction).
                if code_range.contains(&target) {
                    return false;
                }
            }
            Some(_)
                if rest.starts_with(CALL_RIP)
                    && rip_relative(
                        code,
                        address,
                        at + CALL_RIP.len(),
                        at + CALL_RIP.len() + IMM32,
                    )
                    .is_some_and(|t| slots.contains(&t)) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}
