// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=vbmi | FileCheck %s --check-prefix=VBMI
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=vnni | FileCheck %s --check-prefix=VNNI
// RUN: eq-opt %s --split-input-file --eqq-int8-kernels=isa=avx2 | FileCheck %s --check-prefix=AVX2

// A 256-entry table read in a kernel's epilogue (--eqq-lookup-tables): with
// isa=vbmi the lanes' bytes index four constant 64-byte vectors with two
// vpermi2b and a select on the index's top bit; with isa=avx2, sixteen
// vpshufb of the table's 16-byte slices on 32 lanes and the same select;
// with isa=vnni, a gather.

// Tests that a table of unsigned bytes is read with byte permutes,
// zero-extended, and that a row's two accumulator vectors (20 columns: 16
// and 4 real) go through the epilogue as one of 32 lanes, stored as 16
// bytes and 4.
// VBMI-LABEL: func.func @unsigned_table
// VBMI: vector.shuffle %{{.*}}, %{{.*}} [0, 1, {{.*}}, 30, 31] : vector<16xi32>, vector<16xi32>
// VBMI: %[[IDX:.*]] = vector.shuffle %{{.*}}, %{{.*}} [0, 1, {{.*}}, 30, 31, 0, {{.*}} : vector<32xi8>, vector<32xi8>
// VBMI: %[[LO:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"(%{{.*}}, %[[IDX]], %{{.*}}) : (vector<64xi8>, vector<64xi8>, vector<64xi8>) -> vector<64xi8>
// VBMI: %[[HI:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.qi.512"(%{{.*}}, %[[IDX]], %{{.*}})
// VBMI: %[[TOP:.*]] = arith.cmpi slt, %[[IDX]], %{{.*}} : vector<64xi8>
// VBMI: %[[SEL:.*]] = arith.select %[[TOP]], %[[HI]], %[[LO]] : vector<64xi1>, vector<64xi8>
// VBMI: %[[LANES:.*]] = vector.shuffle %[[SEL]], %[[SEL]] [0, 1, {{.*}}, 30, 31] : vector<64xi8>, vector<64xi8>
// VBMI: arith.extui %[[LANES]] : vector<32xi8> to vector<32xi32>
// VBMI: vector.extract_strided_slice %{{.*}} {offsets = [0], sizes = [16], strides = [1]} : vector<32xi8> to vector<16xi8>
// VBMI: vector.store %{{.*}}, %arg1[%{{.*}}, %{{.*}}] : memref<3x20xi8>, vector<16xi8>
// VBMI: vector.extract_strided_slice %{{.*}} {offsets = [16], sizes = [4], strides = [1]} : vector<32xi8> to vector<4xi8>
// VBMI: vector.store %{{.*}}, %arg1[%{{.*}}, %{{.*}}] : memref<3x20xi8>, vector<4xi8>
// VBMI-NOT: vector.gather
// VNNI-LABEL: func.func @unsigned_table
// VNNI: vector.gather
// VNNI-NOT: vpermi2var
// On AVX2 the 16 columns of the tile's two rows (the linear's rows) go
// through the epilogue together, one store per row.
// AVX2-LABEL: func.func @unsigned_table
// AVX2-COUNT-16: llvm.call_intrinsic "llvm.x86.avx2.pshuf.b"(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<32xi8>
// AVX2: %[[TOP:.*]] = arith.cmpi slt, %{{.*}}, %{{.*}} : vector<32xi8>
// AVX2: %[[SEL:.*]] = arith.select %[[TOP]], %{{.*}}, %{{.*}} : vector<32xi1>, vector<32xi8>
// AVX2: arith.extui %[[SEL]] : vector<32xi8> to vector<32xi32>
// AVX2: vector.store %{{.*}}, %arg1[%{{.*}}, %{{.*}}] : memref<3x20xi8>, vector<16xi8>
// AVX2: vector.store %{{.*}}, %arg1[%{{.*}}, %{{.*}}] : memref<3x20xi8>, vector<16xi8>
// AVX2-NOT: vpermi2var
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#m = affine_map<(d0, d1) -> (d0, d1)>
memref.global "private" constant @start : memref<20xi32> = dense<3>
memref.global "private" constant @weight : memref<20x8xi8> = dense<1>
memref.global "private" constant @table : memref<256xi32> = dense<[11, 48, 85, 122, 159, 196, 233, 14, 51, 88, 125, 162, 199, 236, 17, 54, 91, 128, 165, 202, 239, 20, 57, 94, 131, 168, 205, 242, 23, 60, 97, 134, 171, 208, 245, 26, 63, 100, 137, 174, 211, 248, 29, 66, 103, 140, 177, 214, 251, 32, 69, 106, 143, 180, 217, 254, 35, 72, 109, 146, 183, 220, 1, 38, 75, 112, 149, 186, 223, 4, 41, 78, 115, 152, 189, 226, 7, 44, 81, 118, 155, 192, 229, 10, 47, 84, 121, 158, 195, 232, 13, 50, 87, 124, 161, 198, 235, 16, 53, 90, 127, 164, 201, 238, 19, 56, 93, 130, 167, 204, 241, 22, 59, 96, 133, 170, 207, 244, 25, 62, 99, 136, 173, 210, 247, 28, 65, 102, 139, 176, 213, 250, 31, 68, 105, 142, 179, 216, 253, 34, 71, 108, 145, 182, 219, 0, 37, 74, 111, 148, 185, 222, 3, 40, 77, 114, 151, 188, 225, 6, 43, 80, 117, 154, 191, 228, 9, 46, 83, 120, 157, 194, 231, 12, 49, 86, 123, 160, 197, 234, 15, 52, 89, 126, 163, 200, 237, 18, 55, 92, 129, 166, 203, 240, 21, 58, 95, 132, 169, 206, 243, 24, 61, 98, 135, 172, 209, 246, 27, 64, 101, 138, 175, 212, 249, 30, 67, 104, 141, 178, 215, 252, 33, 70, 107, 144, 181, 218, 255, 36, 73, 110, 147, 184, 221, 2, 39, 76, 113, 150, 187, 224, 5, 42, 79, 116, 153, 190, 227, 8, 45, 82, 119, 156, 193, 230]>
func.func @unsigned_table(%x: memref<3x8xi8>, %y: memref<3x20xi8>) {
  %0 = memref.get_global @start : memref<20xi32>
  %1 = memref.get_global @weight : memref<20x8xi8>
  %t = memref.get_global @table : memref<256xi32>
  %acc = memref.alloc() : memref<3x20xi32>
  linalg.broadcast ins(%0 : memref<20xi32>) outs(%acc : memref<3x20xi32>) dimensions = [0]
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %1 : memref<3x8xi8>, memref<20x8xi8>) outs(%acc : memref<3x20xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  }
  linalg.generic {indexing_maps = [#m, #m], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<3x20xi32>) outs(%y : memref<3x20xi8>) {
  ^bb0(%in: i32, %out: i8):
    %b = arith.trunci %in : i32 to i8
    %w = arith.extui %b : i8 to i32
    %i = arith.index_cast %w : i32 to index
    %v = memref.load %t[%i] : memref<256xi32>
    %r = arith.trunci %v : i32 to i8
    linalg.yield %r : i8
  }
  memref.dealloc %acc : memref<3x20xi32>
  return
}
// -----

// Tests that a table of signed bytes is sign-extended back.
// VBMI-LABEL: func.func @signed_table
// VBMI: llvm.x86.avx512.vpermi2var.qi.512
// VBMI: arith.extsi %{{.*}} : vector<32xi8> to vector<32xi32>
// VBMI-NOT: vector.gather
// AVX2-LABEL: func.func @signed_table
// AVX2: llvm.x86.avx2.pshuf.b
// AVX2: arith.extsi %{{.*}} : vector<32xi8> to vector<32xi32>
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#m = affine_map<(d0, d1) -> (d0, d1)>
memref.global "private" constant @start : memref<20xi32> = dense<3>
memref.global "private" constant @weight : memref<20x8xi8> = dense<1>
memref.global "private" constant @table : memref<256xi32> = dense<[-117, -80, -43, -6, 31, 68, 105, -114, -77, -40, -3, 34, 71, 108, -111, -74, -37, 0, 37, 74, 111, -108, -71, -34, 3, 40, 77, 114, -105, -68, -31, 6, 43, 80, 117, -102, -65, -28, 9, 46, 83, 120, -99, -62, -25, 12, 49, 86, 123, -96, -59, -22, 15, 52, 89, 126, -93, -56, -19, 18, 55, 92, -127, -90, -53, -16, 21, 58, 95, -124, -87, -50, -13, 24, 61, 98, -121, -84, -47, -10, 27, 64, 101, -118, -81, -44, -7, 30, 67, 104, -115, -78, -41, -4, 33, 70, 107, -112, -75, -38, -1, 36, 73, 110, -109, -72, -35, 2, 39, 76, 113, -106, -69, -32, 5, 42, 79, 116, -103, -66, -29, 8, 45, 82, 119, -100, -63, -26, 11, 48, 85, 122, -97, -60, -23, 14, 51, 88, 125, -94, -57, -20, 17, 54, 91, -128, -91, -54, -17, 20, 57, 94, -125, -88, -51, -14, 23, 60, 97, -122, -85, -48, -11, 26, 63, 100, -119, -82, -45, -8, 29, 66, 103, -116, -79, -42, -5, 32, 69, 106, -113, -76, -39, -2, 35, 72, 109, -110, -73, -36, 1, 38, 75, 112, -107, -70, -33, 4, 41, 78, 115, -104, -67, -30, 7, 44, 81, 118, -101, -64, -27, 10, 47, 84, 121, -98, -61, -24, 13, 50, 87, 124, -95, -58, -21, 16, 53, 90, 127, -92, -55, -18, 19, 56, 93, -126, -89, -52, -15, 22, 59, 96, -123, -86, -49, -12, 25, 62, 99, -120, -83, -46, -9, 28, 65, 102]>
func.func @signed_table(%x: memref<3x8xi8>, %y: memref<3x20xi8>) {
  %0 = memref.get_global @start : memref<20xi32>
  %1 = memref.get_global @weight : memref<20x8xi8>
  %t = memref.get_global @table : memref<256xi32>
  %acc = memref.alloc() : memref<3x20xi32>
  linalg.broadcast ins(%0 : memref<20xi32>) outs(%acc : memref<3x20xi32>) dimensions = [0]
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %1 : memref<3x8xi8>, memref<20x8xi8>) outs(%acc : memref<3x20xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  }
  linalg.generic {indexing_maps = [#m, #m], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<3x20xi32>) outs(%y : memref<3x20xi8>) {
  ^bb0(%in: i32, %out: i8):
    %b = arith.trunci %in : i32 to i8
    %w = arith.extui %b : i8 to i32
    %i = arith.index_cast %w : i32 to index
    %v = memref.load %t[%i] : memref<256xi32>
    %r = arith.trunci %v : i32 to i8
    linalg.yield %r : i8
  }
  memref.dealloc %acc : memref<3x20xi32>
  return
}
// -----

// Tests that a table whose entries do not fit a byte is still gathered.
// VBMI-LABEL: func.func @wide_table
// VBMI-NOT: vpermi2var
// VBMI: vector.gather
// AVX2-LABEL: func.func @wide_table
// AVX2-NOT: pshuf.b
// AVX2: vector.gather
#a = affine_map<(d0, d1, d2) -> (d0, d2)>
#b = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d1)>
#m = affine_map<(d0, d1) -> (d0, d1)>
memref.global "private" constant @start : memref<20xi32> = dense<3>
memref.global "private" constant @weight : memref<20x8xi8> = dense<1>
memref.global "private" constant @table : memref<256xi32> = dense<[0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 63, 66, 69, 72, 75, 78, 81, 84, 87, 90, 93, 96, 99, 102, 105, 108, 111, 114, 117, 120, 123, 126, 129, 132, 135, 138, 141, 144, 147, 150, 153, 156, 159, 162, 165, 168, 171, 174, 177, 180, 183, 186, 189, 192, 195, 198, 201, 204, 207, 210, 213, 216, 219, 222, 225, 228, 231, 234, 237, 240, 243, 246, 249, 252, 255, 258, 261, 264, 267, 270, 273, 276, 279, 282, 285, 288, 291, 294, 297, 300, 303, 306, 309, 312, 315, 318, 321, 324, 327, 330, 333, 336, 339, 342, 345, 348, 351, 354, 357, 360, 363, 366, 369, 372, 375, 378, 381, 384, 387, 390, 393, 396, 399, 402, 405, 408, 411, 414, 417, 420, 423, 426, 429, 432, 435, 438, 441, 444, 447, 450, 453, 456, 459, 462, 465, 468, 471, 474, 477, 480, 483, 486, 489, 492, 495, 498, 501, 504, 507, 510, 513, 516, 519, 522, 525, 528, 531, 534, 537, 540, 543, 546, 549, 552, 555, 558, 561, 564, 567, 570, 573, 576, 579, 582, 585, 588, 591, 594, 597, 600, 603, 606, 609, 612, 615, 618, 621, 624, 627, 630, 633, 636, 639, 642, 645, 648, 651, 654, 657, 660, 663, 666, 669, 672, 675, 678, 681, 684, 687, 690, 693, 696, 699, 702, 705, 708, 711, 714, 717, 720, 723, 726, 729, 732, 735, 738, 741, 744, 747, 750, 753, 756, 759, 762, 765]>
func.func @wide_table(%x: memref<3x8xi8>, %y: memref<3x20xi8>) {
  %0 = memref.get_global @start : memref<20xi32>
  %1 = memref.get_global @weight : memref<20x8xi8>
  %t = memref.get_global @table : memref<256xi32>
  %acc = memref.alloc() : memref<3x20xi32>
  linalg.broadcast ins(%0 : memref<20xi32>) outs(%acc : memref<3x20xi32>) dimensions = [0]
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %1 : memref<3x8xi8>, memref<20x8xi8>) outs(%acc : memref<3x20xi32>) {
  ^bb0(%in: i8, %in_8: i8, %out: i32):
    %2 = arith.extui %in : i8 to i32
    %3 = arith.extsi %in_8 : i8 to i32
    %4 = arith.muli %2, %3 : i32
    %5 = arith.addi %out, %4 : i32
    linalg.yield %5 : i32
  }
  linalg.generic {indexing_maps = [#m, #m], iterator_types = ["parallel", "parallel"]} ins(%acc : memref<3x20xi32>) outs(%y : memref<3x20xi8>) {
  ^bb0(%in: i32, %out: i8):
    %b = arith.trunci %in : i32 to i8
    %w = arith.extui %b : i8 to i32
    %i = arith.index_cast %w : i32 to index
    %v = memref.load %t[%i] : memref<256xi32>
    %r = arith.trunci %v : i32 to i8
    linalg.yield %r : i8
  }
  memref.dealloc %acc : memref<3x20xi32>
  return
}
