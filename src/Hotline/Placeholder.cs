namespace Hotline; public static class Placeholder {}
