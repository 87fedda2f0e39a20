public enum QEMUBoard {}
