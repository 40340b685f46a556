package dev.hprp.launcher; final class Main { public static void main(String[] a) {} }
