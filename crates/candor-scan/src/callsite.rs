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
//! Anything else (other architectures, PE, Mach-O, Go or Rust binaries that reach
//! `getenv` through their runtime) yields `None`: no call site is proven, and the caller
//! keeps its candidates as candidates.

use std::collections::BTreeSet;

use object::elf::{R_X86_64_GLOB_DAT, R_X86_64_JUMP_SLOT};
use object::{
    Architecture, Object as _, ObjectSection as _, ObjectSymbol as _, ObjectSymbolTable as _,
    RelocationFlags, RelocationTarget, SectionKind,
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
pub fn getenv_arguments(bytes: &[u8]) -> Option<BTreeSet<u64>> {
    let file = object::File::parse(bytes).ok()?;
    if file.architecture() != Architecture::X86_64 || file.format() != object::BinaryFormat::Elf {
        return None;
    }
    let slots = getenv_slots(&file)?;
    // Where calls to getenv land: PLT stubs that jump through a getenv slot.
    let mut targets: BTreeSet<u64> = BTreeSet::new();
    for section in file.sections() {
        let name = section.name().unwrap_or_default();
        if !name.starts_with(".plt") {
            continue;
        }
        let (Ok(data), address) = (section.data(), section.address()) else {
            continue;
        };
        if !fits(address, data) {
            continue;
        }
        for at in memchr::memmem::find_iter(data, JMP_RIP) {
            let disp = at + JMP_RIP.len();
            let Some(slot) = rip_relative(data, address, disp, disp + IMM32) else {
                continue;
            };
            if slots.contains(&slot) {
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
    for section in file.sections() {
        if section.kind() != SectionKind::Text {
            continue;
        }
        let (Ok(code), address) = (section.data(), section.address()) else {
            continue;
        };
        if !fits(address, code) {
            continue;
        }
        for (load_end, string) in argument_loads(code, address) {
            if calls_getenv(code, address, load_end, &targets, &slots)
                && let Some(offset) = string_offset(&file, bytes, string)
            {
                strings.insert(offset);
            }
        }
    }
    Some(strings)
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

/// The file offset of the string at virtual address `va`, if a section maps it and the
/// bytes there are a NUL-terminated string of printable ASCII.
fn string_offset(file: &object::File<'_>, bytes: &[u8], va: u64) -> Option<u64> {
    let section = file
        .sections()
        .find(|s| s.address() <= va && va - s.address() < s.size())?;
    let (start, _) = section.file_range()?;
    let offset = start.checked_add(va - section.address())?;
    let tail = bytes.get(usize::try_from(offset).ok()?..)?;
    let len = memchr::memchr(0, &tail[..tail.len().min(MAX_STRING_LEN)])?;
    (len > 0 && tail[..len].iter().all(u8::is_ascii_graphic)).then_some(offset)
}
